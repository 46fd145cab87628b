"""Household visits: POST /api/v1/patrols/visits, and households visited this cycle in the KPI figures.

The address library is tests/addresses/helpers.py on the sample district:
grid 410102001001001 (WEST) holds the 绿城百合花园 compound (buildings 1 and 2,
building 3 with units 1 and 2) and 伊河路148号院 on a vertex; the compound
itself is no household (the library has finer addresses under it).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry, HouseholdVisit
from tests.addresses import helpers as lib
from tests.patrols.helpers import DAY, EAST, WEST, make_worker
from tests.samples import SCHOOL

BEIJING = ZoneInfo("Asia/Shanghai")
Q = f"from={DAY}&to={DAY}"


@pytest.fixture
def library(db, sample):
    return lib.load(db)


def _token_client(app, db, user):
    from app.auth import users

    _, token = users.issue_token(user, "phone")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    c.user = user
    return c


@pytest.fixture
def worker(app, db, library):
    return _token_client(app, db, make_worker("visit-a", areas=[WEST]))


def test_a_worker_records_a_visit_once_a_day(worker, library, db):
    now = datetime.now(timezone.utc)
    resp = worker.post("/api/v1/patrols/visits", json={"address_id": library["lb-3-1"], "note": "独居老人，身体好"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["created"] is True and body["address"]["id"] == library["lb-3-1"]
    assert body["worker"]["id"] == worker.user.id and body["note"] == "独居老人，身体好"
    assert body["day"] == now.astimezone(BEIJING).date().isoformat()
    assert "1单元" in body["address"]["full_text"]
    # A retry (or a second knock the same day) adds nothing and keeps the first note.
    again = worker.post("/api/v1/patrols/visits", json={"address_id": str(library["lb-3-1"]), "note": "again"})
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"] and again.get_json()["created"] is False
    assert again.get_json()["note"] == "独居老人，身体好"
    # Another day is another visit.
    yesterday = (now - timedelta(days=1)).astimezone(BEIJING).isoformat()
    other = worker.post("/api/v1/patrols/visits", json={"address_id": library["lb-3-1"], "visited_at": yesterday})
    assert other.status_code == 201 and other.get_json()["id"] != body["id"]
    assert db.session.scalar(select(HouseholdVisit.id).where(HouseholdVisit.worker_id == worker.user.id)
                             .order_by(HouseholdVisit.id.desc()).limit(1)) == other.get_json()["id"]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "patrol.household_visit")).all()
    assert len(entries) == 2 and all(e.entity_id == str(worker.user.id) for e in entries)
    assert entries[0].after["address_id"] == library["lb-3-1"]


@pytest.mark.parametrize("case, status, field", [
    ("other_grid", 422, "address_id"),     # 锦艺城 lies in the east grid
    ("outside", 422, "address_id"),        # 桐柏路1号 lies in no grid
    ("not_household", 422, "address_id"),  # the compound: its buildings are in the library
    ("missing", 404, "address_id"),
    ("not_a_number", 422, "address_id"),
    ("boolean", 422, "address_id"),
    ("future", 422, "visited_at"),
    ("too_old", 422, "visited_at"),
    ("bad_time", 422, "visited_at"),
    ("long_note", 422, "note"),
])
def test_refused_visits(worker, library, db, case, status, field):
    now = datetime.now(timezone.utc)
    payload = {"address_id": library["lb-1"]}
    payload |= {
        "other_grid": {"address_id": library["jy-a"]},
        "outside": {"address_id": library["tb1"]},
        "not_household": {"address_id": library["lb"]},
        "missing": {"address_id": 987654321},
        "not_a_number": {"address_id": "lb-1"},
        "boolean": {"address_id": True},
        "future": {"visited_at": (now + timedelta(hours=1)).isoformat()},
        "too_old": {"visited_at": (now - timedelta(days=40)).isoformat()},
        "bad_time": {"visited_at": "yesterday"},
        "long_note": {"note": "x" * 501},
    }[case]
    resp = worker.post("/api/v1/patrols/visits", json=payload)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert db.session.scalar(text("SELECT count(*) FROM household_visit")) == 0
    if case == "not_household":
        assert resp.get_json()["error"]["details"]["finer"] == 4


def test_bad_body(worker, library):
    resp = worker.post("/api/v1/patrols/visits", data="[]", content_type="application/json")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "body"


def test_a_dedicated_grid_covers_its_addresses(app, db, library):
    from app.addresses.service import import_addresses

    assert not import_addresses([{"道路": "学院路", "门牌号": "1", "经度": 113.604, "纬度": 34.754}]).errors
    school_id = db.session.execute(text("SELECT id FROM standard_address WHERE road = '学院路'")).scalar_one()
    chief = _token_client(app, db, make_worker("school-chief", areas=[SCHOOL]))
    assert chief.post("/api/v1/patrols/visits", json={"address_id": school_id}).status_code == 201
    assert chief.post("/api/v1/patrols/visits", json={"address_id": library["lb-1"]}).status_code == 422


def test_roles(client, client_as, anon, worker, library):
    assert anon.post("/api/v1/patrols/visits", json={"address_id": library["lb-1"]}).status_code == 401
    for role in ("dispatcher", "viewer", "planner"):
        assert client_as(role).post("/api/v1/patrols/visits", json={"address_id": library["lb-1"]}).status_code == 403
    # An administrator is no grid worker, but may record for one.
    resp = client.post("/api/v1/patrols/visits", json={"address_id": library["lb-1"]})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "worker"
    resp = client.post("/api/v1/patrols/visits", json={"address_id": library["lb-1"], "worker": "visit-a"})
    assert resp.status_code == 201 and resp.get_json()["worker"]["id"] == worker.user.id
    # ... and the address must lie in that worker's grids.
    resp = client.post("/api/v1/patrols/visits", json={"address_id": library["jy-a"], "worker": "visit-a"})
    assert resp.status_code == 422
    # A worker does not act for another.
    other = client_as("worker", areas=[EAST])
    resp = other.post("/api/v1/patrols/visits", json={"address_id": library["lb-2"], "worker": worker.user.id})
    assert resp.status_code == 403


# ----------------------------------------------------------------------------- the cycle figures

def _visit(db, worker_id: int, address_id: int, day, hour: int = 10) -> None:
    at = datetime.combine(day, time(hour), BEIJING)
    db.session.execute(text(
        "INSERT INTO household_visit (district_code, worker_id, address_id, visited_at, day) "
        "VALUES ('410102', :w, :a, :t, :d)"), {"w": worker_id, "a": address_id, "t": at, "d": day})


@pytest.fixture
def visited(db, library, worker):
    east = make_worker("visit-b", areas=[EAST])
    db.session.commit()
    a = worker.user.id
    _visit(db, a, library["lb-1"], DAY.replace(day=3))            # this cycle: counts
    _visit(db, a, library["lb-1"], DAY.replace(day=4))            # the same household again
    _visit(db, a, library["lb-3-1"], DAY.replace(day=1) - timedelta(days=1))   # April: the last cycle
    _visit(db, a, library["lb-2"], DAY + timedelta(days=1))       # after the period's end
    _visit(db, east.id, library["yh148"], DAY)                    # somebody else, in WEST (on its vertex)
    _visit(db, east.id, library["jy-a"], DAY, hour=9)
    db.session.commit()
    return a, east.id


def test_worker_and_grid_figures(client, visited):
    a, b = visited
    body = client.get(f"/api/v1/patrols/workers?{Q}").get_json()
    rows = {w["id"]: w for w in body["workers"]}
    assert (rows[a]["households_visited"], rows[a]["household_addresses"]) == (1, 5)
    assert rows[a]["households_visited_share"] == 0.2
    assert (rows[b]["households_visited"], rows[b]["household_addresses"]) == (1, 2)   # 锦艺城 A and B
    assert body["cycle"] == {"from": DAY.replace(day=1).isoformat(), "to": DAY.isoformat()}
    grids = {g["code"]: g for g in client.get(f"/api/v1/patrols/grids?{Q}").get_json()["grids"]}
    assert (grids[WEST]["households_visited"], grids[WEST]["household_addresses"]) == (2, 5)
    assert grids[WEST]["households_visited_share"] == 0.4
    assert (grids[EAST]["households_visited"], grids[EAST]["household_addresses"]) == (1, 2)
    assert grids["410102002002002"]["household_addresses"] == 0
    assert grids["410102002002002"]["households_visited_share"] is None
    micro = {g["code"]: g for g in client.get(f"/api/v1/patrols/grids?{Q}&level=micro").get_json()["grids"]}
    assert (micro[WEST + "01"]["households_visited"], micro[WEST + "01"]["household_addresses"]) == (1, 4)
    # A period ending on the 2nd: the visit of the 3rd is not in it yet.
    early = client.get(f"/api/v1/patrols/workers?from={DAY.replace(day=1)}&to={DAY.replace(day=2)}").get_json()
    assert {w["id"]: w["households_visited"] for w in early["workers"]}[a] == 0


def test_workers_see_their_own_figures(worker, visited):
    a, _ = visited
    body = worker.get(f"/api/v1/patrols/workers?{Q}").get_json()
    assert [(w["id"], w["households_visited"]) for w in body["workers"]] == [(a, 1)]


def test_kpi_page_and_csv_show_households(client, visited):
    a, _ = visited
    html = client.get(f"/patrols/kpi?{Q}&lang=en").get_data(as_text=True)
    assert "Households visited this cycle" in html
    row = re.search(rf'<tr data-worker="{a}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-households="1/5"' in row and "(20.0%)" in row
    assert f"from {DAY.replace(day=1)}" in html
    text_ = client.get(f"/patrols/kpi.csv?{Q}&lang=en").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text_)))
    head = rows[0]
    mine = next(r for r in rows[1:] if r[1] == "visit-a")
    assert mine[head.index("Households visited this cycle")] == "1"
    assert mine[head.index("Household-level addresses")] == "5"
    assert mine[head.index("Households visited (share)")] == "20.0%"
    grid_rows = list(csv.reader(io.StringIO(client.get(f"/patrols/kpi.csv?{Q}&table=grids&lang=en")
                                            .get_data(as_text=True).lstrip("\ufeff"))))
    west = next(r for r in grid_rows[1:] if r[0] == WEST)
    assert west[grid_rows[0].index("Households visited this cycle")] == "2"


def test_answers_match_the_api_document(client, worker, visited, library):
    import json

    from tests.api.helpers import SPEC_PATH, check

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    path = "/api/v1/patrols/visits"
    check(spec, worker.post(path, json={"address_id": library["lb-2"], "note": "ok"}), path, "post")
    check(spec, worker.post(path, json={"address_id": library["lb-2"]}), path, "post")     # 200: stored already
    check(spec, worker.post(path, json={"address_id": 987654321}), path, "post")
    check(spec, worker.post(path, json={"address_id": library["jy-a"]}), path, "post")
    body = check(spec, client.get(f"/api/v1/patrols/workers?{Q}"), "/api/v1/patrols/workers")
    assert body["cycle"]["from"] == DAY.replace(day=1).isoformat()
    check(spec, client.get(f"/api/v1/patrols/grids?{Q}"), "/api/v1/patrols/grids")
    check(spec, client.get(f"/api/v1/patrols/grids?{Q}&format=geojson"), "/api/v1/patrols/grids")
