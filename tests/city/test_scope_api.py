"""Issue 19: each dispatcher sees exactly theirs through HTTP; the city sees every district and filters."""
from __future__ import annotations

from tests.city import helpers as city


def _tickets(res) -> set[str]:
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    if "features" in body:
        return {f["properties"]["ticket"] for f in body["features"]}
    return {r["ticket"] for r in body["reports"]}


def test_report_list_and_feed_per_district(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    everything = set(t.values())
    assert _tickets(c["city"].get("/api/v1/reports")) == everything
    assert _tickets(c["zy"].get("/api/v1/reports")) == {t["zhongyuan"], t["outside"]}
    assert _tickets(c["eq"].get("/api/v1/reports")) == {t["erqi"]}
    # The desk's live feed, and its new-events counter, by the same rule.
    feed = c["eq"].get("/api/v1/reports/changes")
    assert _tickets(feed) == {t["erqi"]} and feed.get_json()["new_events"] == 1
    feed = c["city"].get("/api/v1/reports/changes")
    assert _tickets(feed) == everything and feed.get_json()["new_events"] == 3
    # A city user narrows to one district; a district user cannot widen to another.
    assert _tickets(c["city"].get(f"/api/v1/reports?district={city.ERQI}")) == {t["erqi"]}
    narrowed = c["city"].get(f"/api/v1/reports/changes?district={city.ERQI}")
    assert _tickets(narrowed) == {t["erqi"]} and narrowed.get_json()["new_events"] == 1
    assert _tickets(c["eq"].get(f"/api/v1/reports?district={city.ZHONGYUAN}")) == {t["erqi"]}
    bad = c["city"].get("/api/v1/reports?district=999999")
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["field"] == "district"


def test_reports_carry_their_district(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    body = c["city"].get(f"/api/v1/reports/{t['erqi']}").get_json()
    assert body["district_code"] == city.ERQI
    listed = c["city"].get("/api/v1/reports").get_json()["reports"]
    assert {r["ticket"]: r["district_code"] for r in listed}[t["erqi"]] == city.ERQI


def test_another_districts_event_is_not_found_in_chinese(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    for path in (f"/api/v1/reports/{t['erqi']}", f"/api/v1/reports/{t['erqi']}/history"):
        res = c["zy"].get(path)
        assert res.status_code == 404
        assert "没有" in res.get_json()["error"]["message"] or "不存在" in res.get_json()["error"]["message"]
    res = c["zy"].post(f"/api/v1/reports/{t['erqi']}/transitions",
                       json={"action": "accept", "expected_state": "reported"})
    assert res.status_code == 404
    # Its own district's dispatcher may.
    res = c["eq"].post(f"/api/v1/reports/{t['erqi']}/transitions",
                       json={"action": "accept", "expected_state": "reported"})
    assert res.status_code == 200, res.get_json()


def test_city_user_role_names(two_districts):
    c = two_districts.clients
    assert c["city"].get("/api/v1/me").get_json()["role_label"] == "市级调度员"
    assert c["eq"].get("/api/v1/me").get_json()["role_label"] == "调度员"
    assert c["cityview"].get("/api/v1/me").get_json()["role_label"] == "市级查看员"
    me = c["city"].get("/api/v1/me").get_json()
    assert me["district_code"] is None


def test_desk_pages(two_districts):
    c = two_districts.clients
    city_page = c["city"].get("/dispatch").get_data(as_text=True)
    assert 'id="dispatch-district"' in city_page and "二七区" in city_page
    eq_page = c["eq"].get("/dispatch").get_data(as_text=True)
    assert 'id="dispatch-district"' not in eq_page
    # The grid filter lists the district's own grids only.
    assert city.ERQI_WEST_GRID in eq_page and "410102001001001" not in eq_page
    assert "410102001001001" in city_page and city.ERQI_WEST_GRID in city_page
