"""/figures/events: the table, the chart data, the filters, the CSV link, CSP, access and scope."""
from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from tests.figures import helpers as d
from tests.figures.helpers import G1, G3, NOW, PERIOD, S2

PAGE = "/figures/events"


@pytest.fixture
def events(db, sample, monkeypatch):
    from app.events import deadlines

    monkeypatch.setattr(deadlines, "now", lambda: NOW)
    return d.build(db)


def page(client, query: str = PERIOD, lang: str = "en") -> str:
    resp = client.get(f"{PAGE}?{query}&lang={lang}", headers={"Accept": "text/html"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_data(as_text=True)


def chart(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="figures-chart-data"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(htmllib.unescape(raw.group(1)))


def table_rows(html: str) -> dict[str, list[str]]:
    body = re.search(r'<table[^>]*id="figures-table".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = {}
    for unit, row in re.findall(r'<tr data-unit="([^"]*)">(.*?)</tr>', body, re.S):
        rows[unit] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def test_page_table_charts_and_csv_link(client, events):
    html = page(client, f"{PERIOD}&by=grid")
    rows = table_rows(html)
    # Grid names repeat in every community: the community comes first.
    assert rows[G1] == [G1, "样例1-1社区 · 第1网格", "8", "6", "3", "2", "50.0%", "33.3%", "50.0%", "50.0%", "1", "22.5"]
    assert rows[""][1] == "Outside every grid"
    total = re.search(r'<tr[^>]*id="figures-total">(.*?)</tr>', html, re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", total, re.S)] == [
        "", "Total", "13", "11", "7", "4", "63.6%", "36.4%", "66.7%", "25.0%", "1", "16.5"]
    data = chart(html)
    # Busiest first; units with no event are left out of the charts.
    assert data["labels"] == ["样例1-1社区 · 第1网格", "样例1-1社区 · 第2网格", "样例2-1社区 · 第1网格",
                              "Outside every grid"]
    rates = {s["key"]: s["values"] for s in data["rates"]}
    assert [s["key"] for s in data["rates"]] == ["disposal_rate", "closing_rate", "on_time_rate", "rework_rate"]
    assert rates["disposal_rate"] == [50.0, 100.0, 100.0, 0.0]
    assert rates["closing_rate"] == [33.33, 50.0, 50.0, 0.0]
    assert rates["on_time_rate"] == [50.0, None, 100.0, None]
    assert rates["rework_rate"] == [50.0, 0.0, 0.0, None]
    assert data["counts"][0] == {"key": "reported", "values": [8, 2, 2, 1]}
    assert data["texts"]["closing_rate"] == "Closing rate"
    link = htmllib.unescape(re.search(r'id="figures-csv" href="([^"]+)"', html).group(1))
    assert link.startswith("/api/v1/figures/events?") and "format=csv" in link and "from=2026-11-02" in link
    # The CSV speaks the page's language (English here, asked for with lang=en and kept in the cookie).
    assert client.get(link).get_data(as_text=True).startswith("\ufeffGrid code,Grid,")
    # The filters keep what was asked.
    assert 'value="2026-11-02"' in html and '<option value="grid" selected>' in html
    assert "/static/vendor/chart.js/chart.umd.js" in html and "/static/js/gridmap-figures.js" in html
    assert 'href="/figures/events"' in html and 'class="active"' in html   # the nav link


def test_filters_on_the_page(client, events):
    html = page(client, f"{PERIOD}&by=worker&subdistrict={S2}&category=04")
    rows = table_rows(html)
    assert [r[0] for r in rows.values()] == ["fig-w3"]
    assert rows[next(iter(rows))][2] == "2"
    assert f'<option value="{S2}" selected>' in html and '<option value="04" selected>' in html
    link = htmllib.unescape(re.search(r'id="figures-csv" href="([^"]+)"', html).group(1))
    assert f"subdistrict={S2}" in link and "category=04" in link and "by=worker" in link


def test_csp_no_inline_handlers_no_cdn(client, events):
    resp = client.get(f"{PAGE}?{PERIOD}", headers={"Accept": "text/html"})
    html = resp.get_data(as_text=True)
    assert not re.search(r"\son[a-z]+=", html)
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    assert "cdn" not in html.lower() and "https://" not in html


def test_chinese_by_default(client, events):
    html = page(client, PERIOD, lang="zh")
    assert '<html lang="zh-CN">' in html
    assert 'id="figures-rates-chart"' in html and 'id="figures-counts-chart"' in html
    link = htmllib.unescape(re.search(r'id="figures-csv" href="([^"]+)"', html).group(1))
    assert client.get(link).get_data(as_text=True).startswith("\ufeff网格编码,网格,")


@pytest.mark.parametrize("role", ["admin", "dispatcher", "planner", "viewer"])
def test_every_reading_role_sees_the_page(client_as, events, role):
    html = page(client_as(role), f"{PERIOD}&by=subdistrict")
    assert len(table_rows(html)) == 3


def test_a_grid_worker_sees_their_grid_only(events, app, db):
    from app.auth import users

    _, token = users.issue_token(events["workers"]["W3"], "phone")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    rows = table_rows(page(c, f"{PERIOD}&by=grid"))
    assert list(rows) == [G3] and rows[G3][2] == "2"


def test_anonymous_is_sent_to_sign_in(anon, events):
    resp = anon.get(PAGE, headers={"Accept": "text/html"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_bad_filter_is_a_clear_error(client, sample):
    resp = client.get(f"{PAGE}?by=block&lang=en", headers={"Accept": "text/html"})
    assert resp.status_code == 422
    assert "by must be one of" in resp.get_data(as_text=True)
