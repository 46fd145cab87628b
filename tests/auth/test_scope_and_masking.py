"""Grid workers see their own grids' events only (in the queries); reporters are masked by role."""
from __future__ import annotations

import pytest
from sqlalchemy import text

WEST = {"category": "0102", "description": "西区垃圾", "lon": 113.605, "lat": 34.745,
        "reporter_name": "张三丰", "reporter_phone": "13812345678"}
EAST = {"category": "0102", "description": "东区垃圾", "lon": 113.635, "lat": 34.745,
        "reporter_name": "欧阳娜娜", "reporter_phone": "0371-6788 1234"}
SCHOOL = {"category": "0102", "description": "学校门口", "lon": 113.604, "lat": 34.754}
OUTSIDE = {"category": "0102", "description": "区外", "lon": 113.70, "lat": 34.80}


@pytest.fixture
def tickets(anon, sample):
    out = {}
    for name, body in (("west", WEST), ("east", EAST), ("school", SCHOOL), ("outside", OUTSIDE)):
        res = anon.post("/api/v1/reports", json=body)
        assert res.status_code == 201, res.get_json()
        out[name] = res.get_json()["ticket"]
    return out


def _listed(c, **query) -> set[str]:
    res = c.get("/api/v1/reports", query_string=query)
    assert res.status_code == 200, res.get_json()
    return {r["ticket"] for r in res.get_json()["reports"]}


def _mapped(c) -> set[str]:
    res = c.get("/api/v1/reports", query_string={"format": "geojson"})
    return {f["id"] for f in res.get_json()["features"]}


def test_worker_sees_only_events_of_their_grids(client_as, tickets):
    worker = client_as("worker", areas=["410102001"])  # the west subdistrict and everything below
    assert _listed(worker) == {tickets["west"], tickets["school"]}
    assert _mapped(worker) == {tickets["west"], tickets["school"]}
    assert worker.get(f"/api/v1/reports/{tickets['west']}").status_code == 200
    # Another grid's ticket is "not found", so tickets cannot be probed.
    res = worker.get(f"/api/v1/reports/{tickets['east']}")
    assert res.status_code == 404 and res.get_json()["error"]["code"] == "not_found"
    assert worker.get(f"/api/v1/reports/{tickets['outside']}").status_code == 404
    # Filters cannot widen the area.
    assert _listed(worker, out_of_coverage="true") == set()


def test_worker_of_a_dedicated_grid_sees_its_events(client_as, tickets):
    guard = client_as("worker", areas=["410102001001901"])
    assert _listed(guard) == {tickets["school"]}


def test_dispatchers_work_their_area_or_the_whole_district(client_as, tickets):
    assert _listed(client_as("dispatcher")) == set(tickets.values())
    east_desk = client_as("dispatcher", areas=["410102002"])
    assert _listed(east_desk) == {tickets["east"]}
    assert _listed(client_as("viewer")) == set(tickets.values())


def test_a_worker_without_grids_cannot_exist(client, sample):
    res = client.post("/api/v1/users", json={"username": "lonely", "password": "long-enough-pw", "role": "worker"})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "areas"
    made = client.post("/api/v1/users", json={"username": "w1", "password": "long-enough-pw", "role": "worker",
                                              "areas": ["410102001"]}).get_json()
    res = client.patch(f"/api/v1/users/{made['id']}", json={"areas": []})
    assert res.status_code == 422


@pytest.mark.parametrize("role,masked", [("admin", False), ("dispatcher", False), ("worker", False),
                                         ("planner", True), ("viewer", True)])
def test_reporter_is_masked_for_roles_that_do_not_call_back(client_as, tickets, role, masked):
    c = client_as(role, areas=["410102"] if role == "worker" else ())
    one = c.get(f"/api/v1/reports/{tickets['west']}").get_json()["reporter"]
    listed = {r["ticket"]: r for r in c.get("/api/v1/reports").get_json()["reports"]}
    mapped = {f["id"]: f["properties"] for f in
              c.get("/api/v1/reports", query_string={"format": "geojson"}).get_json()["features"]}
    if masked:
        assert one == {"name": "张**", "phone": "138****5678", "email": None, "device": None}
        assert (listed[tickets["east"]]["reporter_name"], listed[tickets["east"]]["reporter_phone"]) == \
               ("欧阳**", "037*****1234")
        assert mapped[tickets["west"]]["reporter_phone"] == "138****5678"
    else:
        assert one == {"name": "张三丰", "phone": "13812345678", "email": None, "device": None}
        assert listed[tickets["east"]]["reporter_phone"] == "0371-6788 1234"
    assert listed[tickets["school"]]["reporter_name"] is None


def test_the_submitter_gets_their_report_back_masked(anon, sample):
    body = anon.post("/api/v1/reports", json=WEST).get_json()
    assert body["reporter"] == {"name": "张**", "phone": "138****5678", "email": None, "device": None}


@pytest.mark.parametrize("raw,expected", [
    ("张三", "张*"), ("张三丰", "张**"), ("李", "李*"), ("欧阳娜娜", "欧阳**"), ("欧阳", "欧*"),
    ("  王五 ", "王*"), ("Tom Lee", "T******"), ("", ""), (None, None),
])
def test_name_masking_rule(db, raw, expected):
    assert db.session.execute(text("SELECT gridmap_mask_name(:v)"), {"v": raw}).scalar() == expected


@pytest.mark.parametrize("raw,expected", [
    ("13812345678", "138****5678"), ("+86 138 1234 5678", "861******5678"), ("0371-67881234", "037*****1234"),
    ("12345", "*****"), ("", ""), (None, None),
])
def test_phone_masking_rule(db, raw, expected):
    assert db.session.execute(text("SELECT gridmap_mask_phone(:v)"), {"v": raw}).scalar() == expected
