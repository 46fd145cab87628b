"""The dispatch desk page over HTTP: who may open it, filters from the URL, local assets only."""
from __future__ import annotations

import json
import re

import pytest

from tests.auth_helpers import sign_in
from tests.conftest import PASSWORD


@pytest.fixture
def signed_in(app, client_as, sample):
    def make(role: str, areas=()):
        user = client_as(role, areas=list(areas)).user
        browser = app.test_client()
        sign_in(browser, user.username, PASSWORD)
        return browser

    return make


def settings_of(html: str) -> dict:
    found = re.search(r"GridMapDispatch\.init\(\s*\w+,\s*(\{.*?\})\s*\);", html, re.S)
    assert found, "the desk is not started on the map"
    return json.loads(found.group(1))


@pytest.mark.parametrize("role", ["viewer", "dispatcher", "worker", "admin", "planner"])
def test_every_reader_opens_the_desk(signed_in, role):
    res = signed_in(role, areas=["410102001001001"] if role == "worker" else ()).get("/dispatch")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    for element in ("dispatch-filters", "dispatch-list", "dispatch-panel", "dispatch-live", "dispatch-form"):
        assert f'id="{element}"' in html
    assert "/static/js/dispatch/desk.js" in html and "/static/css/gridmap-dispatch.css" in html
    # The vendored marker clusters, and no CDN copy of them.
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert "/static/vendor/leaflet.markercluster/MarkerCluster.css" in html
    assert 'href="/dispatch"' in html                         # the nav link
    settings = settings_of(html)
    assert settings["feed_url"] == "/api/v1/reports/changes" and settings["poll_ms"] >= 1000
    assert settings["may_act"] is (role in ("dispatcher", "worker", "admin"))
    assert settings["colors"]["reported"] and settings["texts"]["offline"]
    # Nothing from outside: intranets have no internet.
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert 'onclick=' not in html


def test_filters_come_from_the_url_and_bad_values_fall_back(signed_in):
    page = signed_in("dispatcher")
    html = page.get("/dispatch?status=accepted&category=0402&channel=hotline_12345&deadline_state=overdue"
                    "&sort=created&needs_placement=true&outside_district=true&reported=today&ticket=GM1"
                    ).get_data(as_text=True)
    assert settings_of(html)["filters"] == {
        "status": "accepted", "category": "0402", "channel": "hotline_12345", "deadline_state": "overdue",
        "grid_id": "", "sort": "created", "needs_placement": "true", "outside_district": "true",
        "reported": "today", "ticket": "GM1", "district": ""}
    assert re.search(r'<option value="accepted"\s+selected', html)
    fallback = settings_of(page.get("/dispatch?status=lost&category=9999&sort=random&grid_id=x&reported=someday")
                           .get_data(as_text=True))
    assert fallback["filters"]["status"] == "open" and fallback["filters"]["category"] == ""
    assert fallback["filters"]["reported"] == ""
    assert fallback["filters"]["sort"] == "priority" and fallback["filters"]["grid_id"] == ""


def _grid_options(html: str) -> list[str]:
    return re.findall(r'data-search="[^"]* (\d+)"', html)


def test_the_grid_filter_lists_the_callers_grids_and_the_desk_opens_on_them(signed_in):
    whole = signed_in("dispatcher").get("/dispatch").get_data(as_text=True)
    assert "(410102001)" in whole and "(410102001001001)" in whole
    assert settings_of(whole)["home_bounds"] is None and settings_of(whole)["home_area"] is None
    mine = signed_in("worker", areas=["410102001001001"]).get("/dispatch").get_data(as_text=True)
    assert _grid_options(mine) == ["410102001001001"]
    (south, west), (north, east) = settings_of(mine)["home_bounds"]
    assert settings_of(mine)["home_area"]["type"] in ("Polygon", "MultiPolygon")   # drawn as "my grids"
    # The worker's grid (tests/samples.py): the map opens on it, not on the district.
    assert 113.59 < west < east < 113.625 and 34.74 < south < north < 34.77
    # A micro-grid worker's filter lists their micro-grid, though micro-grids are too many to list for others.
    micro = signed_in("worker", areas=["410102001001001"[:15] + "01"]).get("/dispatch").get_data(as_text=True)
    assert _grid_options(micro) == ["41010200100100101"]


def test_the_desk_says_how_many_new_events_wait_in_its_title(signed_in, anon):
    from tests.events.helpers import ELSEWHERE, IN_GRID, report

    report(anon, point=IN_GRID)
    report(anon, point=ELSEWHERE)
    html = signed_in("dispatcher").get("/dispatch").get_data(as_text=True)
    assert re.search(r"<title>\(2\) 调度台", html), re.search(r"<title>.*</title>", html).group(0)
    assert 'data-count="2"' in html and "2 条新事件" in html
    settings = settings_of(html)
    # The desk's order and the chime switch come with the page.
    assert settings["queue_ranks"]["reported"] == 0 and settings["default_sort"] == "priority"
    assert settings["preferences"] == {"chime": False}
    worker = signed_in("worker", areas=["410102001001001"]).get("/dispatch").get_data(as_text=True)
    assert re.search(r"<title>\(1\) ", worker) and 'data-count="1"' in worker


def test_anonymous_callers_are_sent_to_sign_in(anon):
    res = anon.get("/dispatch")
    assert res.status_code in (302, 401)
    if res.status_code == 302:
        assert "/login" in res.headers["Location"]
