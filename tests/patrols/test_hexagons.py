"""Hexagon density cells: /api/v1/patrols/density?shape=hex, the ST_HexagonGrid tiling, the map's shape choice.

The hexagons are counted in PostGIS with the arithmetic of sql/hex_density.sql;
here the same fixes are counted the slow, independent way -- ST_HexagonGrid's
own cells joined with the points -- and the two must agree cell by cell.
The map page in a browser: tests/maps/test_patrols_hexagons.py (the browser
fixtures live in tests/browser.py; one playwright per test session).
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import text

from geo.crs import distance_m
from tests.patrols.helpers import DAY, WEST, at, make_worker, store, walk

Q = f"from={DAY}&to={DAY}"


@pytest.fixture
def patrols(db, sample):
    a = make_worker("hex-a", areas=[WEST])
    b = make_worker("hex-b", areas=["410102002001001"])
    db.session.commit()
    store(a.id, walk(0, 40, from_m=(-200.0, 30.0)))                            # 40 fixes going east
    store(b.id, walk(1000, 25, from_m=(-300.0, -800.0), step_m=(7.0, 9.0)))   # 25 going north-east
    return a, b


def _ring(feature) -> np.ndarray:
    assert feature["geometry"]["type"] == "Polygon"
    return np.array(feature["geometry"]["coordinates"][0])


def test_hex_cells_count_every_fix_once_and_are_hexagons(client, patrols):
    body = client.get(f"/api/v1/patrols/density?{Q}&size=50").get_json()   # hex is the default
    assert body["shape"] == "hex" and body["size_m"] == 50
    assert sum(f["properties"]["fixes"] for f in body["features"]) == 65
    assert body["features"][0]["properties"]["share"] == 1.0
    for f in body["features"]:
        ring = _ring(f)
        assert len(ring) == 7 and (ring[0] == ring[-1]).all()   # six corners and the closing one
        edges = distance_m(ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1])
        # Regular, 50 m a side at the district (6 decimals of a degree are ~0.1 m).
        assert np.allclose(edges, 50.0, atol=0.6), edges
    counts = sorted((f["properties"]["fixes"] for f in body["features"]), reverse=True)
    assert counts == [f["properties"]["fixes"] for f in body["features"]]   # busiest first


def test_hex_counts_match_st_hexagongrid(client, db, patrols):
    """The arithmetic cell of each fix is the ST_HexagonGrid cell that contains it."""
    from app.patrols import layers

    s, _ = layers.hexagon_size(100)
    expected = db.session.execute(text("""
        WITH p AS (SELECT ST_Transform(f.geom, 3857) AS g FROM patrol_fix f
                   WHERE f.time >= :t0 AND f.time < :t1),
             cells AS (SELECT h.geom FROM ST_HexagonGrid(:s, (SELECT ST_SetSRID(ST_Expand(ST_Extent(g), :s), 3857)
                                                               FROM p)) h)
        SELECT ST_X(ST_Transform(ST_Centroid(c.geom), 4326)) AS x, ST_Y(ST_Transform(ST_Centroid(c.geom), 4326)) AS y,
               count(*) AS n
        FROM cells c JOIN p ON ST_Intersects(c.geom, p.g)
        GROUP BY c.geom"""), {"s": s, "t0": datetime.combine(DAY, time(0), ZoneInfo("Asia/Shanghai")),
                              "t1": datetime.combine(DAY + timedelta(days=1), time(0), ZoneInfo("Asia/Shanghai"))}
    ).all()
    assert sum(r.n for r in expected) == 65   # no fix of these walks lies on a shared edge
    body = client.get(f"/api/v1/patrols/density?{Q}&size=100&shape=hex").get_json()
    got = {}
    for f in body["features"]:
        ring = _ring(f)[:-1]
        got[(round(ring[:, 0].mean(), 5), round(ring[:, 1].mean(), 5))] = f["properties"]["fixes"]
    assert got == {(round(r.x, 5), round(r.y, 5)): r.n for r in expected}


def test_a_fix_on_a_shared_edge_is_counted_once(client, db, sample):
    """A point exactly on the edge between two cells (and one on a corner) goes to one cell only."""
    from app.patrols import layers

    w = make_worker("hex-edge", areas=[WEST])
    db.session.commit()
    s, h = layers.hexagon_size(100)
    # The shared corner of cells (0, 0) and (1, 0) and the midpoint of their shared edge, from Mercator back to degrees,
    # near the district: cell indices around the sample district, found from a fix there.
    lon, lat = at(0)
    x0, y0 = db.session.execute(text("SELECT ST_X(g), ST_Y(g) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 4326),"
                                     " 3857) g"), {"x": lon, "y": lat}).one()
    i = int(x0 // (1.5 * s)) // 2 * 2          # an even column near the point
    j = int(y0 // h)
    corner = (1.5 * s * i + s, h * j)           # right corner of (i, j): shared with (i+1, j-1) and (i+1, j)
    mid = (1.5 * s * i + 0.75 * s, h * j + h / 4)  # middle of the edge shared by (i, j) and (i+1, j)
    points = []
    for x, y in (corner, mid):
        points.append(db.session.execute(text(
            "SELECT ST_X(g), ST_Y(g) FROM ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 3857), 4326) g"),
            {"x": x, "y": y}).one())
    t0 = datetime.combine(DAY, time(10), ZoneInfo("Asia/Shanghai"))
    store(w.id, [(t0, *points[0]), (t0 + timedelta(seconds=600), *points[1])])
    body = client.get(f"/api/v1/patrols/density?{Q}&size=100").get_json()
    assert sum(f["properties"]["fixes"] for f in body["features"]) == 2
    assert all(f["properties"]["fixes"] == 1 for f in body["features"])


def test_squares_still_offered(client, patrols):
    body = client.get(f"/api/v1/patrols/density?{Q}&size=50&shape=square").get_json()
    assert body["shape"] == "square" and sum(f["properties"]["fixes"] for f in body["features"]) == 65
    assert all(len(_ring(f)) == 5 for f in body["features"])


def test_shape_is_checked(client, patrols):
    resp = client.get(f"/api/v1/patrols/density?{Q}&shape=circle")
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["details"]["field"] == "shape" and "hex" in err["message"]


def test_hex_density_is_scoped_and_shifted(client_as, app, db, patrols):
    a, b = patrols
    from app.auth import users

    _, token = users.issue_token(a, "phone")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    mine = c.get(f"/api/v1/patrols/density?{Q}&shape=hex").get_json()
    assert sum(f["properties"]["fixes"] for f in mine["features"]) == 40   # their own fixes only
    d = client_as("dispatcher", areas=["410102002"])
    theirs = d.get(f"/api/v1/patrols/density?{Q}&shape=hex").get_json()
    assert sum(f["properties"]["fixes"] for f in theirs["features"]) == 25
    gcj = client_as("viewer").get(f"/api/v1/patrols/density?{Q}&shape=hex&crs=gcj02").get_json()
    assert gcj["shape"] == "hex" and sum(f["properties"]["fixes"] for f in gcj["features"]) == 65
    assert client_as("viewer").get(f"/api/v1/patrols/density?{Q}&shape=hex").status_code == 200


def test_map_page_offers_the_shape(client, patrols):
    html = client.get(f"/maps/patrols?{Q}&lang=en").get_data(as_text=True)
    select = re.search(r'<select id="patrol-shape" name="shape"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"', select) == ["hex", "square"]
    assert re.search(r'<option value="hex" selected>Hexagons', select)
    assert '"shape": "hex"' in html            # the density layer asks for hexagons at first
    html = client.get(f"/maps/patrols?{Q}&shape=square").get_data(as_text=True)
    assert re.search(r'<option value="square" selected>', html) and '"shape": "square"' in html
    assert client.get(f"/maps/patrols?{Q}&shape=round").status_code == 422


def test_density_answers_match_the_api_document(client, patrols):
    import json

    from tests.api.helpers import SPEC_PATH, check

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    for query in ("shape=hex", "shape=square", "shape=hex&crs=gcj02", "shape=nope"):
        check(spec, client.get(f"/api/v1/patrols/density?{Q}&{query}"), "/api/v1/patrols/density")
