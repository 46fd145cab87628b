"""GET /api/v1/figures/events: every figure against the hand-built events of tests/figures/helpers.py,
grouping levels, period and filters, scope per role, bad parameters, CSV."""
from __future__ import annotations

import csv
import io

import pytest

from tests.figures import helpers as d
from tests.figures.helpers import (C1, C3, G1, G2, G3, G4, NOW, PERIOD, S1, S2, COMMUNITY_1, GRID_1, GRID_2, GRID_3,
                                NO_GRID, TOTAL, UNASSIGNED, WORKER_1, ZERO, pick)

URL = "/api/v1/figures/events"


@pytest.fixture
def events(db, sample, monkeypatch):
    from app.events import deadlines

    monkeypatch.setattr(deadlines, "now", lambda: NOW)
    return d.build(db)


def get(client, query: str) -> dict:
    resp = client.get(f"{URL}?{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def by_unit(body: dict) -> dict:
    return {u["unit"]: u for u in body["units"]}


def test_per_grid_every_figure(client, events):
    body = get(client, f"{PERIOD}&by=grid")
    assert body["period"] == {"from": "2026-11-02", "to": "2026-11-08", "days": 7}
    assert body["by"] == "grid" and body["filters"] == {"category": None, "subdistrict": None,
                                                        "district": "410102"}
    units = by_unit(body)
    assert pick(units[G1]) == GRID_1
    assert pick(units[G2]) == GRID_2
    assert pick(units[G3]) == GRID_3
    assert pick(units[None]) == NO_GRID
    # Every current grid is listed, with zeros when nothing happened there.
    assert set(units) == {None, G1, G2, G3, G4, "410102001002002", "410102002001002", "410102002002001",
                          "410102002002002"}
    assert pick(units[G4]) == ZERO
    assert units[G1]["name"] == "第1网格" and units[G1]["parent_code"] == C1 and units[G1]["user_id"] is None
    assert units[G1]["parent_name"] == "样例1-1社区" and units[None]["parent_name"] is None
    assert pick(body["total"]) == TOTAL and body["total"]["unit"] is None
    assert body["count"] == len(body["units"])
    # Ordered by code, the "outside every grid" row last.
    assert [u["unit"] for u in body["units"]][-1] is None
    codes = [u["unit"] for u in body["units"][:-1]]
    assert codes == sorted(codes)


def test_per_community_and_subdistrict(client, events):
    units = by_unit(get(client, f"{PERIOD}&by=community"))
    assert set(units) == {None, C1, C3, "410102001002", "410102002002"}
    assert pick(units[C1]) == COMMUNITY_1 and pick(units[C3]) == GRID_3 and pick(units[None]) == NO_GRID
    assert units[C1]["name"] == "样例1-1社区" and units[C1]["parent_code"] == S1
    assert units[C1]["parent_name"] == "样例1街道"
    body = get(client, f"{PERIOD}&by=subdistrict")
    units = by_unit(body)
    assert set(units) == {None, S1, S2}
    assert pick(units[S1]) == COMMUNITY_1 and pick(units[S2]) == GRID_3
    assert pick(body["total"]) == TOTAL


def test_per_worker(client, events):
    workers = events["workers"]
    units = by_unit(get(client, f"{PERIOD}&by=worker"))
    w1, w2, w3, w4 = (str(workers[n].id) for n in ("W1", "W2", "W3", "W4"))
    assert {w1, w2, w3, w4, None} <= set(units)
    assert pick(units[w1]) == WORKER_1
    assert pick(units[w2]) == GRID_2 and pick(units[w3]) == GRID_3
    assert pick(units[w4]) == ZERO          # a worker with no event is listed
    assert pick(units[None]) == UNASSIGNED
    assert units[w1]["code"] == "fig-w1" and units[w1]["name"] == "网格员W1" and units[w1]["user_id"] == int(w1)


def test_period_bounds_are_beijing_days(client, events):
    # e13 at 11-01 23:59:59 Beijing belongs to 1 November only; e14 at 11-09 00:00 to 9 November only.
    first = get(client, "from=2026-11-01&to=2026-11-01&by=grid")
    assert first["total"]["reported"] == 1 and by_unit(first)[G1]["reported"] == 1
    assert by_unit(first)[G1]["median_hours_to_close"] == 2.0
    ninth = get(client, "from=2026-11-09&to=2026-11-09&by=grid")
    assert ninth["total"]["reported"] == 1 and by_unit(ninth)[G1]["valid"] == 1
    one_day = get(client, "from=2026-11-02&to=2026-11-02&by=grid")   # e1 and e8
    assert one_day["total"]["reported"] == 2 and one_day["total"]["closed"] == 2
    assert one_day["total"]["median_hours_to_close"] == 5.5
    empty = get(client, "from=2026-10-01&to=2026-10-31&by=grid")
    assert pick(empty["total"]) == ZERO and None not in by_unit(empty)


def test_category_and_subdistrict_filters(client, events):
    body = get(client, f"{PERIOD}&by=grid&category=0601")
    assert body["filters"]["category"] == "0601" and body["total"]["reported"] == 1
    assert by_unit(body)[G1]["handled"] == 1 and by_unit(body)[G1]["disposal_rate"] == 1.0
    # A big class (2 digits): every 04xx category -- all but e3 (0601) and e9 (0102).
    body = get(client, f"{PERIOD}&by=grid&category=04")
    assert body["total"]["reported"] == TOTAL["reported"] - 2
    body = get(client, f"{PERIOD}&by=grid&subdistrict={S2}")
    units = by_unit(body)
    assert set(units) == {G3, "410102002001002", "410102002002001", "410102002002002"}
    assert pick(units[G3]) == GRID_3 and pick(body["total"]) == GRID_3
    assert body["filters"]["subdistrict"] == S2
    body = get(client, f"{PERIOD}&by=worker&subdistrict={S2}")
    assert {u["code"] for u in body["units"]} == {"fig-w3"}


def test_a_grid_worker_counts_only_their_grids(events, app, db):
    from app.auth import users

    _, token = users.issue_token(events["workers"]["W1"], "phone")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    body = get(c, f"{PERIOD}&by=grid")
    # G1's events only (e15 through its new grid); no other grid, no "outside every grid" row.
    assert [u["unit"] for u in body["units"]] == [G1]
    assert pick(body["units"][0]) == GRID_1 and pick(body["total"]) == GRID_1
    body = get(c, f"{PERIOD}&by=subdistrict")
    assert [u["unit"] for u in body["units"]] == [S1] and body["units"][0]["reported"] == 8
    body = get(c, f"{PERIOD}&by=worker")
    assert {u["code"] for u in body["units"] if u["unit"]} == {"fig-w1"}
    assert body["total"]["reported"] == 8


def test_a_dispatcher_with_an_area_and_roles(events, client_as):
    dispatcher = client_as("dispatcher", areas=[S2])
    body = get(dispatcher, f"{PERIOD}&by=grid")
    assert pick(body["total"]) == GRID_3
    assert G1 not in by_unit(body)
    for role in ("viewer", "planner", "dispatcher"):
        assert pick(get(client_as(role), f"{PERIOD}&by=grid")["total"]) == TOTAL


def test_a_worker_without_grids_sees_nothing(events, client_as, db):
    from app.models import UserArea

    c = client_as("worker", areas=[G4])
    # Accounts cannot be made without grids; one can lose them (a grid retired, areas edited in the database).
    UserArea.query.filter_by(user_id=c.user.id).delete()
    db.session.commit()
    body = get(c, f"{PERIOD}&by=grid")
    assert body["units"] == [] and pick(body["total"]) == ZERO


def test_anonymous_is_refused(anon, events):
    assert anon.get(f"{URL}?{PERIOD}").status_code == 401


@pytest.mark.parametrize("query, field", [
    ("by=block", "by"), ("format=xml", "format"), ("from=2026-13-01", "from"),
    ("from=2026-11-09&to=2026-11-01", "from"), ("from=2025-01-01&to=2026-11-08", "to"),
    ("category=9999", "category"), ("category=4", "category"), ("subdistrict=410102", "subdistrict"),
    ("subdistrict=410102009", "subdistrict"),
])
def test_bad_parameters_name_the_field(client, sample, query, field):
    resp = client.get(f"{URL}?{query}")
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field


def test_default_period_is_the_last_30_days(client, sample):
    from app.patrols.period import today

    body = get(client, "by=subdistrict")
    assert body["period"]["to"] == today().isoformat() and body["period"]["days"] == 30
    assert get(client, "from=2025-11-09&to=2026-11-09")["period"]["days"] == 366


# ------------------------------------------------------------------- CSV

def rows(resp) -> list[list[str]]:
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_chinese_by_default(client, events):
    resp = client.get(f"{URL}?{PERIOD}&by=grid&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == "attachment; filename=event-figures-grid-20261102-20261108.csv"
    table = rows(resp)
    assert table[0] == ["网格编码", "网格", "上报数", "作废数", "合并重复数", "应处置数", "已处置数", "结案数",
                        "有时限结案数", "按期结案数", "曾处置数", "返工数", "当前超期数", "处置率", "结案率",
                        "按期结案率", "返工率", "结案时长中位数(小时)"]
    g1 = next(r for r in table if r[0] == G1)
    assert g1 == [G1, "第1网格", "8", "1", "1", "6", "3", "2", "2", "1", "4", "2", "1", "50.00%", "33.33%",
                  "50.00%", "50.00%", "22.5"]
    g4 = next(r for r in table if r[0] == G4)
    assert g4[2:] == ["0"] * 11 + [""] * 5
    assert table[-2][:3] == ["", "不在任何网格内", "1"]
    assert table[-1] == ["", "合计", "13", "1", "1", "11", "7", "4", "3", "2", "8", "2", "1", "63.64%", "36.36%",
                         "66.67%", "25.00%", "16.5"]
    assert len(table) == 1 + 9 + 1


def test_csv_in_english_and_per_worker(client, events):
    table = rows(client.get(f"{URL}?{PERIOD}&by=worker&format=csv&lang=en"))
    assert table[0][:4] == ["Username", "Worker", "Events reported", "Cancelled"]
    assert table[0][-5:] == ["Disposal rate", "Closing rate", "On-time closing rate", "Rework rate",
                             "Median hours to close"]
    w1 = next(r for r in table if r[0] == "fig-w1")
    assert w1[1] == "网格员W1" and w1[2:7] == ["5", "0", "0", "5", "3"] and w1[-5:] == [
        "60.00%", "40.00%", "50.00%", "50.00%", "22.5"]
    assert table[-2][1] == "Not assigned" and table[-1][1] == "Total"
    # lang=zh wins over an English cookie; community headers.
    table = rows(client.get(f"{URL}?{PERIOD}&by=community&format=csv&lang=zh"))
    assert table[0][:2] == ["社区编码", "社区"]
