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
