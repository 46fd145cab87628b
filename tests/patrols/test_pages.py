"""/maps/patrols, /patrols/kpi and the CSV export: rendered content, CSP, access and scope."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.patrols.helpers import DAY, WEST, make_worker, store, walk

Q = f"from={DAY}&to={DAY}"


@pytest.fixture
def patrolled(db, sample):
    a = make_worker("page-a", areas=[WEST])
    b = make_worker("page-b", areas=["410102002002002"])
    db.session.commit()
    store(a.id, walk(0, 40, from_m=(-200.0, 30.0)))
    return a, b


def test_map_page(client, patrolled):
    resp = client.get(f"/maps/patrols?{Q}&lang=en", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "/static/js/gridmap-patrols.js" in html and "/static/js/gridmap-maps.js" in html
    for layer in ('"key": "density"', '"key": "patrolGrids"', '"key": "track"'):
        assert layer in html
    assert "/api/v1/patrols/density" in html and '"from": "2026-05-12"' in html
    assert "Patrol density" in html and 'id="patrol-play"' in html
    # CSP: no inline handlers, every inline script carries the nonce, nothing from a CDN.
    assert not re.search(r"\son[a-z]+=", html)
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    assert "cdn" not in html.lower() and "https://" not in html


def test_map_page_defaults_to_the_latest_day_with_fixes(client, patrolled):
    html = client.get("/maps/patrols").get_data(as_text=True)
    assert f'value="{DAY.isoformat()}"' in html


def test_kpi_page_ranks_and_lists_under_patrolled_grids(client, patrolled):
    a, b = patrolled
    html = client.get(f"/patrols/kpi?{Q}&lang=en").get_data(as_text=True)
    rows = re.findall(r'<tr data-worker="(\d+)">', html)
    assert rows[:2] == [str(a.id), str(b.id)]
    assert "Commended" in html
    assert 'id="under-count">8<' in html   # no grid reaches 2 h on a working day
    assert "Export CSV" in html


def test_kpi_csv(client, patrolled):
    a, _ = patrolled
    resp = client.get(f"/patrols/kpi.csv?{Q}&lang=en")
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Rank", "Username", "Name"]
    assert rows[1][1] == "page-a" and float(rows[1][3]) > 0
    grids = list(csv.reader(io.StringIO(client.get(f"/patrols/kpi.csv?{Q}&table=grids&lang=en")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert grids[0][0] == "Code" and len(grids) == 1 + 8
    assert client.get("/patrols/kpi.csv?table=nope").status_code == 422


def test_chinese_by_default(client, patrolled):
    html = client.get(f"/patrols/kpi?{Q}").get_data(as_text=True)
    assert '<html lang="zh-CN"' in html


def test_access_and_scope(anon, client_as, patrolled, app, db):
    a, b = patrolled
    resp = anon.get("/maps/patrols", headers={"Accept": "text/html"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client_as("viewer").get(f"/patrols/kpi?{Q}").status_code == 200
    from app.auth import users

    _, token = users.issue_token(b, "t")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    html = c.get(f"/patrols/kpi?{Q}").get_data(as_text=True)
    assert re.findall(r'<tr data-worker="(\d+)">', html) == [str(b.id)]
    rows = list(csv.reader(io.StringIO(c.get(f"/patrols/kpi.csv?{Q}&table=grids").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["410102002002002"]
    page = c.get(f"/maps/patrols?{Q}").get_data(as_text=True)
    assert re.findall(r'<option value="(\d+)"', page) == [str(b.id)]


def test_kpi_page_defaults_to_the_month_so_far_and_offers_this_week(client, patrolled):
    """Up to the latest day with fixes (Tuesday 12 May): from the 1st by default, from Monday for the week."""
    def period(html):
        return (re.search(r'id="kpi-from" name="from" value="([^"]+)"', html).group(1),
                re.search(r'id="kpi-to" name="to" value="([^"]+)"', html).group(1))

    assert period(client.get("/patrols/kpi").get_data(as_text=True)) == ("2026-05-01", "2026-05-12")
    assert period(client.get("/patrols/kpi?preset=week").get_data(as_text=True)) == ("2026-05-11", "2026-05-12")
    assert period(client.get(f"/patrols/kpi?{Q}").get_data(as_text=True)) == ("2026-05-12", "2026-05-12")
    # The CSV without a period is the same month.
    disposition = client.get("/patrols/kpi.csv").headers["Content-Disposition"]
    assert disposition.endswith("patrol-workers-20260501-20260512.csv")


def test_map_page_opens_on_a_worker_who_walked_that_day(client, db, sample):
    """The first worker in the list did not go out; the map opens on the one who did."""
    idle = make_worker("page-a-idle", areas=[WEST])
    walker = make_worker("page-z-walker", areas=[WEST])
    db.session.commit()
    store(walker.id, walk(0, 40, from_m=(-200.0, 30.0)))
    html = client.get("/maps/patrols").get_data(as_text=True)
    assert re.search(rf'<option value="{walker.id}"\s+selected', html), "the walker is chosen"
    assert f'"worker": {walker.id}' in html and idle.id < walker.id
    # Asked for by name, the idle one is shown (with "no track that day").
    assert f'"worker": {idle.id}' in client.get(f"/maps/patrols?worker={idle.id}").get_data(as_text=True)
