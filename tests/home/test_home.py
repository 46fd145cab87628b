"""The home page: district figures and links to every page."""
from __future__ import annotations

import re


def _figure(html: str, ident: str) -> int:
    return int(re.search(rf'id="{ident}">(\d+)<', html).group(1))


def test_home_without_grids_says_how_to_load_them(client, db):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "flask demo load" in html
    assert _figure(html, "fig-open") == 0


def test_home_shows_figures_and_links(client, sample):
    client.post("/api/v1/reports", json={"category": "0102", "description": "a", "lon": 113.615, "lat": 34.7525})
    client.post("/api/v1/reports", json={"category": "0102", "description": "b", "lon": 113.9, "lat": 34.7525})
    res = client.get("/?lang=en")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert _figure(html, "fig-open") == 2
    assert _figure(html, "fig-ooc") == 1
    # 8 regular grids, one unstaffed: 87.5 % staffed.
    assert "87.5%" in html
    for link in ("/maps/coverage", "/maps/issues", "/api/v1/openapi.json", "lang=zh"):
        assert link in html


def test_every_page_has_an_icon_and_favicon_ico_is_not_a_404(anon):
    html = anon.get("/login").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/img/gridmap.svg">' in html
    res = anon.get("/favicon.ico")
    assert res.status_code == 301 and res.headers["Location"].endswith("/static/img/gridmap.svg")
    icon = anon.get("/static/img/gridmap.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


from tests.events.conftest import clock, people  # noqa: E402,F401 (fixtures)
from tests.events.helpers import ELSEWHERE, IN_GRID, act, ok, report  # noqa: E402


def test_event_figures_are_the_callers_and_lead_into_the_desk(anon, people, clock):  # noqa: F811
    """Overdue and due soon by the controlled clock; a worker counts their grids' events only."""
    mine = report(anon, point=IN_GRID)["ticket"]
    report(anon, point=ELSEWHERE)
    report(anon, point=(113.9, 34.7525))                      # outside every grid
    ok(act(people.dispatcher, mine, "accept", "reported"))
    ok(act(people.dispatcher, mine, "dispatch", "accepted", assignee=people.worker.user.id))
    html = people.dispatcher.get("/?lang=en").get_data(as_text=True)
    assert [_figure(html, f) for f in ("fig-open", "fig-overdue", "fig-due-soon", "fig-ooc", "fig-today")] == \
        [3, 0, 0, 1, 3]
    assert 'href="/dispatch?deadline_state=overdue"' in html and 'href="/dispatch?needs_placement=true"' in html
    clock.advance(hours=1, minutes=45)                        # 0402: 2 working hours; warned before the end
    assert _figure(people.dispatcher.get("/").get_data(as_text=True), "fig-due-soon") == 1
    clock.advance(hours=1)
    html = people.dispatcher.get("/").get_data(as_text=True)
    assert (_figure(html, "fig-overdue"), _figure(html, "fig-due-soon")) == (1, 0)
    # The worker sees the event of their grid only; a worker elsewhere sees none of it.
    worker = people.worker.get("/").get_data(as_text=True)
    assert (_figure(worker, "fig-open"), _figure(worker, "fig-overdue")) == (1, 1)
    assert _figure(people.outsider.get("/").get_data(as_text=True), "fig-overdue") == 0


def test_levels_without_workers_show_no_staffing_share_and_pages_follow_the_role(client_as, sample):
    viewer = client_as("viewer").get("/?lang=en").get_data(as_text=True)
    rows = re.findall(r"<tr><td>([^<]+)</td><td[^>]*>(\d+)</td><td[^>]*>([^<]+)</td>\s*<td[^>]*>\s*([^<]+?)\s*</td></tr>",
                      viewer)
    by_level = {r[0]: (r[2], r[3]) for r in rows}
    assert by_level["District"] == ("–", "–") and by_level["Subdistrict"] == ("–", "–")
    assert by_level["Grid"][1].endswith("%")
    pages = re.search(r'<ul id="home-pages">(.*?)</ul>', viewer, re.S).group(1)
    assert "/dispatch" in pages and "/lookup" in pages and "/plan" not in pages
    planner = client_as("planner").get("/?lang=en").get_data(as_text=True)
    assert "/plan" in re.search(r'<ul id="home-pages">(.*?)</ul>', planner, re.S).group(1)
