"""Issue 19: event figures per district for the city, each district's own for its users, and the ranking."""
from __future__ import annotations

from tests.city import helpers as city


def _units(res) -> dict:
    assert res.status_code == 200, res.get_json()
    return {u["unit"]: u for u in res.get_json()["units"]}


def test_figures_per_district(two_districts):
    c = two_districts.clients
    units = _units(c["city"].get("/api/v1/figures/events?by=district"))
    assert set(units) == {city.ZHONGYUAN, city.ERQI}
    # The outside event is stored under the default district (410102).
    assert units[city.ZHONGYUAN]["reported"] == 2 and units[city.ERQI]["reported"] == 1
    assert units[city.ERQI]["name"] == "二七区"
    assert c["city"].get("/api/v1/figures/events?by=district").get_json()["total"]["reported"] == 3
    # A district's user counts only theirs, whatever they ask for.
    eq = c["eq"].get(f"/api/v1/figures/events?by=district&district={city.ZHONGYUAN}").get_json()
    assert eq["total"]["reported"] == 1 and [u["unit"] for u in eq["units"]] == [city.ERQI]
    grids = _units(c["eq"].get("/api/v1/figures/events?by=grid"))
    assert set(grids) == {city.ERQI_WEST_GRID, city.ERQI_EAST_GRID}
    assert grids[city.ERQI_WEST_GRID]["reported"] == 1
    # A city user narrows to a district.
    narrowed = c["city"].get(f"/api/v1/figures/events?by=grid&district={city.ERQI}").get_json()
    assert narrowed["total"]["reported"] == 1 and narrowed["filters"]["district"] == city.ERQI


def test_city_ranks_its_districts(two_districts):
    c = two_districts.clients
    body = c["city"].get("/api/v1/figures/districts").get_json()
    rows = {r["code"]: r for r in body["districts"]}
    assert set(rows) == {city.ZHONGYUAN, city.ERQI} and sorted(r["rank"] for r in rows.values()) == [1, 2]
    assert rows[city.ERQI]["reported"] == 1 and rows[city.ERQI]["grids"] == 2
    assert rows[city.ERQI]["patrol_hours_per_grid"] == 0.0
    own = c["eq"].get("/api/v1/figures/districts").get_json()
    assert [r["code"] for r in own["districts"]] == [city.ERQI]


def test_figures_page_has_the_district_filter_and_ranking_for_the_city(two_districts):
    c = two_districts.clients
    page = c["city"].get("/figures/events?by=district").get_data(as_text=True)
    assert 'id="fig-district"' in page and 'id="figures-ranking"' in page and "二七区" in page
    page = c["eq"].get("/figures/events").get_data(as_text=True)
    assert 'id="fig-district"' not in page and 'value="district"' not in page
