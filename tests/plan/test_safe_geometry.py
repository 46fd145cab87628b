"""Whatever geometry validation lets through must not break the service once published.

A planner allows a micro-grid to lie in two pieces and redraws it as its own half plus a triangle whose
tip comes within 3 mm of it: valid in WGS-84 (two polygons apart), but once projected into metres (the
patrol cells' azimuthal projection) a straight edge in degrees is no longer straight and the two pieces
cross.
That is how a published grid made /patrols/kpi answer "Internal Server Error" to every district-wide
user. Published, with a worker patrolling it, every page and every GET of the API, as every role, must
answer without a 500.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box as sbox
from shapely.ops import transform

from app.role_names import ROLES
from tests.plan.conftest import WEST, post

BEIJING = ZoneInfo("Asia/Shanghai")
NASTY = WEST + "02"                     # lon 113.60-113.61, lat 34.75-34.755
APEX = (113.6053, 34.755 + 3e-8)        # 3 mm north of its northern edge, in micro-grid 01
TRIANGLE = Polygon([APEX, (113.6083, 34.758), (113.6023, 34.758)])
SHAPE = MultiPolygon([sbox(113.60, 34.75, 113.61, 34.755), TRIANGLE])


def _aeqd(geom):
    c = geom.centroid
    to_m = pyproj.Transformer.from_crs(4326, pyproj.CRS(
        f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m"), always_xy=True)
    return transform(to_m.transform, geom)


def test_the_shape_is_valid_but_not_once_projected():
    assert SHAPE.is_valid and not _aeqd(SHAPE).is_valid


def _geojson(geom) -> dict:
    return shapely.geometry.mapping(geom)


@pytest.fixture
def published(client, sample, db):
    """The shape published as micro-grid NASTY (allowed as an exclave first), with a worker patrolling it."""
    from tests.patrols.helpers import make_worker, store

    draft = client.post("/api/v1/drafts", json={"note": "飞地", "effective_date": "2026-07-01"}).get_json()
    refused = client.post(f"/api/v1/drafts/{draft['id']}/reshape", json={
        "row_version": draft["row_version"], "code": NASTY, "geometry": _geojson(SHAPE)})
    assert refused.status_code == 422 and refused.get_json()["error"]["details"]["reason"] == "not_contiguous"
    draft = post(client, draft, "exclave", {"code": NASTY})["draft"]
    draft = post(client, draft, "reshape", {"code": NASTY, "geometry": _geojson(SHAPE)})["draft"]
    res = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"row_version": draft["row_version"]})
    assert res.status_code == 200 and res.get_json()["scheduled"] is False, res.get_json()
    stored = db.session.execute(shapely_sql, {"code": NASTY}).one()
    assert stored.parts == 2 and stored.valid and not stored.valid_in_metres
    worker = make_worker("飞地巡查员", areas=[NASTY])
    db.session.commit()
    start = datetime.now(BEIJING).replace(microsecond=0) - timedelta(hours=2)
    # Along the triangle and across the shared point: the track meets both pieces.
    track = [(start + timedelta(seconds=10 * k), 113.6023 + 0.0003 * k, 34.7565 - 0.0001 * k) for k in range(20)]
    store(worker.id, track, now=start + timedelta(hours=1))
    report = client.post("/api/v1/reports", json={"category": "0402", "description": "飞地里的违停",
                                                  "lon": 113.6053, "lat": 34.757}).get_json()
    return {"version_id": draft["id"], "ticket": report["ticket"], "worker": worker}


shapely_sql = __import__("sqlalchemy").text(
    "SELECT ST_NumGeometries(geom) AS parts, ST_IsValid(geom) AS valid, ST_IsValid(ST_Transform(geom, format("
    "'+proj=aeqd +lat_0=%s +lon_0=%s +datum=WGS84 +units=m +no_defs', ST_Y(ST_Centroid(geom)), "
    "ST_X(ST_Centroid(geom))))) AS valid_in_metres FROM grid_current WHERE code = :code")


def _urls(app, published, user_id: int, collections: list[str]) -> list[str]:
    today = datetime.now(BEIJING).date().isoformat()
    values = {"code": NASTY, "draft_id": published["version_id"], "version_id": published["version_id"],
              "user_id": user_id, "ticket": published["ticket"], "session_id": "1", "feature_id": NASTY,
              "fmt": "json", "unknown": "x"}
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = re.findall(r"<(?:\w+(?::\w+)?:)?(\w+)>", rule.rule)
        if "collection_id" in names:
            bases = [rule.rule.replace("<collection_id>", c) for c in collections]
        else:
            bases = [rule.rule]
        for base in bases:
            url = re.sub(r"<(?:\w+(?::\w+)?:)?(\w+)>", lambda m: str(values.get(m.group(1), "1")), base)
            urls.add(url)
            # The queries that make pages and layers read micro-grid geometry, in every version.
            urls.add(url + "?level=micro")
            urls.add(url + f"?level=micro&version={published['version_id']}&at=")
            urls.add(url + f"?at={today}&level=micro&bbox=113.59,34.74,113.65,34.77&zoom=17")
    urls.add(f"/api/v1/lookup?lon={APEX[0]}&lat={APEX[1]}")
    urls.add(f"/api/v1/lookup?lon=113.6053&lat=34.757&near_m=50&geometry=true")
    urls.add("/patrols/kpi?level=micro&period=month")
    urls.add("/patrols/kpi.csv?table=grids&level=micro")
    urls.add(f"/api/v1/patrols/track?worker={published['worker'].id}")
    urls.add("/api/v1/patrols/density?kind=hex&level=micro")
    return sorted(urls)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_api_answers_as_every_role(app, client_as, published, role, db):
    c = client_as(role, areas=[NASTY] if role == "worker" else ())
    collections = [col["id"] for col in c.get("/ogc/collections?f=json").get_json()["collections"]]
    failures = []
    for url in _urls(app, published, c.user.id, collections):
        for accept in ("application/json", "text/html"):
            res = c.get(url, headers={"Accept": accept})
            if res.status_code >= 500:
                failures.append((url, accept, res.status_code, res.get_data(as_text=True)[:200]))
    assert failures == []
