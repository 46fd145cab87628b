"""Issue 19: patrol figures of a district's user cover their district's workers and grids only."""
from __future__ import annotations

from tests.city import helpers as city


def test_patrol_figures_per_district(two_districts, db):
    c = two_districts.clients
    city.make_user(db.session, "zy-worker", "worker", city.ZHONGYUAN, areas=["410102001001001"])
    city.make_user(db.session, "eq-worker", "worker", city.ERQI, areas=[city.ERQI_WEST_GRID])

    def workers(client):
        res = client.get("/api/v1/patrols/workers")
        assert res.status_code == 200, res.get_json()
        return {w["username"] for w in res.get_json()["workers"]}

    def grids(client):
        res = client.get("/api/v1/patrols/grids?level=grid")
        assert res.status_code == 200, res.get_json()
        return {g["code"] for g in res.get_json()["grids"]}

    assert workers(c["city"]) == {"zy-worker", "eq-worker"}
    assert workers(c["eq"]) == {"eq-worker"}
    assert workers(c["zy"]) == {"zy-worker"}
    assert grids(c["eq"]) == {city.ERQI_WEST_GRID, city.ERQI_EAST_GRID}
    assert {city.ERQI_WEST_GRID, "410102001001001"} <= grids(c["city"])
    assert not any(code.startswith(city.ERQI) for code in grids(c["zy"]))


def test_patrol_kpi_page_district_filter(two_districts, db):
    c = two_districts.clients
    city.make_user(db.session, "zy-worker", "worker", city.ZHONGYUAN, areas=["410102001001001"])
    city.make_user(db.session, "eq-worker", "worker", city.ERQI, areas=[city.ERQI_WEST_GRID])
    page = c["city"].get("/patrols/kpi").get_data(as_text=True)
    assert 'id="kpi-district"' in page and "zy-worker" in page and "eq-worker" in page
    page = c["city"].get(f"/patrols/kpi?district={city.ERQI}").get_data(as_text=True)
    assert "eq-worker" in page and "zy-worker" not in page
    page = c["zy"].get(f"/patrols/kpi?district={city.ERQI}").get_data(as_text=True)
    assert 'id="kpi-district"' not in page and "zy-worker" in page and "eq-worker" not in page
