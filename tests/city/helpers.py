"""A city of two districts for the tests of issue 19 (people, scope, transfer).

The sample (tests/samples.py) is district 410102 中原区, the box lon 113.60–113.64, lat 34.74–34.76.
``add_erqi()`` puts district 410103 二七区 beside it, east of it (lon 113.64–113.68): a root grid,
one subdistrict, one community and two grids (west and east halves), current rows of its own.
"""
from __future__ import annotations

from sqlalchemy import text

ERQI = "410103"
ZHONGYUAN = "410102"
ERQI_BOX = (113.64, 34.74, 113.68, 34.76)
ERQI_WEST_GRID = "410103001001001"
ERQI_EAST_GRID = "410103001001002"
#: Points inside each district (grid 410102001001001's north micro-grid; 二七's west grid).
IN_ZHONGYUAN = (113.605, 34.757)
IN_ERQI = (113.65, 34.75)
#: Outside every district: stored under the default district, out of coverage.
OUTSIDE = (113.80, 34.90)
PASSWORD = "correct-horse-battery"

_GRIDS = (  # code, name, level, parent code, box
    (ERQI, "二七区", "district", None, ERQI_BOX),
    ("410103001", "样例二七街道", "subdistrict", ERQI, ERQI_BOX),
    ("410103001001", "样例二七社区", "community", "410103001", ERQI_BOX),
    (ERQI_WEST_GRID, "二七第1网格", "grid", "410103001001", (113.64, 34.74, 113.66, 34.76)),
    (ERQI_EAST_GRID, "二七第2网格", "grid", "410103001001", (113.66, 34.74, 113.68, 34.76)),
)


def add_erqi(session) -> dict[str, int]:
    """District 410103 and its current grids (same generation as the sample's); returns code -> grid id."""
    session.execute(text("INSERT INTO district (code, name, city_code) VALUES (:c, '二七区', '410100') "
                         "ON CONFLICT (code) DO NOTHING"), {"c": ERQI})
    # The test database's district row was written before any grid named it.
    session.execute(text("UPDATE district SET name = '中原区' WHERE code = :c AND name = code"), {"c": ZHONGYUAN})
    generation = session.execute(text(
        "SELECT coalesce(max(generation_low), 1) FROM grid WHERE generation_high IS NULL AND draft_id IS NULL"
    )).scalar_one()
    ids: dict[str, int] = {}
    lineages: dict[str, list[int]] = {}
    for code, name, level, parent, (x0, y0, x1, y1) in _GRIDS:
        leaf = level == "grid"
        row = session.execute(text("""
            INSERT INTO grid (code, name, level, district_code, kind, parent_id, parent_code, lineage, is_leaf,
                              geom, area_m2, generation_low)
            VALUES (:code, :name, :level, :district, 'regular', :parent_id, :parent, '{}', :leaf,
                    ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)),
                    ST_Area(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)::geography), :gen)
            RETURNING id"""), {"code": code, "name": name, "level": level, "district": ERQI,
                               "parent_id": ids.get(parent), "parent": parent, "leaf": leaf,
                               "x0": x0, "y0": y0, "x1": x1, "y1": y1, "gen": generation}).scalar_one()
        ids[code] = row
        lineages[code] = [*(lineages[parent] if parent else []), row]
        session.execute(text("UPDATE grid SET lineage = :l WHERE id = :id"), {"l": lineages[code], "id": row})
    session.commit()
    return ids


def make_user(session, username: str, role: str, district: str | None, areas=()):
    """A user of ``district`` (None: the city) with an API token; returns (user, token)."""
    from app.auth import users

    user = users.create(username, PASSWORD, role, display_name=username, areas=list(areas), district=district)
    _, token = users.issue_token(user, "tests")
    session.commit()
    return user, token


def file_report(client, point, description: str = "路灯不亮") -> dict:
    """POST a report at ``point`` (lon, lat) as ``client``; returns the created report."""
    res = client.post("/api/v1/reports", json={"category": "0402", "description": description,
                                               "lon": point[0], "lat": point[1], "channel": "hotline_12345"})
    body = res.get_json()
    assert res.status_code == 201, body
    return body


def settle_district(session, ticket: str, district: str) -> None:
    """Put the report under ``district`` when intake has not (before intake learnt districts, every report
    went to GRIDMAP_DISTRICT_CODE): moved the way a transfer moves it (events/sql/move_district.sql)."""
    from app import dbclock
    from app.sqlfiles import statements

    row = session.execute(text("SELECT id, district_code FROM report WHERE ticket = :t"), {"t": ticket}).one()
    if row.district_code == district:
        return
    for stmt in statements("events/move_district"):
        session.execute(stmt, {"id": row.id, "from_district": row.district_code, "to_district": district,
                               "at": None, "actor_id": None, "actor": "tests", "ticket": ticket,
                               "clock": dbclock.clock_timestamp()})
    session.commit()
