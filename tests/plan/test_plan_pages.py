"""The planners' pages over HTTP: the drafts list and the draft editor, by role."""
from __future__ import annotations

import re

import pytest

from app.role_names import ROLES
from app.auth.roles import allows


def test_drafts_page_lists_drafts_and_versions(client, sample, draft):
    res = client.get("/plan")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    # The draft, its author, note and effective date; export links for the published version.
    row = re.search(r'<tr data-draft-id="%d">(.*?)</tr>' % draft["id"], html, re.S).group(1)
    assert "测试草稿" in row and "2026-07-01" in row and "test-admin" in row
    assert f'/plan/drafts/{draft["id"]}' in row
    published = sample["result"].version_id
    for fmt in ("geojson", "gpkg", "shp"):
        assert f"/api/v1/versions/{published}/export?format={fmt}" in html
    assert 'id="plan-new-draft"' in html and 'type="date"' in html
    assert '<script type="module" src="/static/js/plan/drafts.js">' in html


def test_editor_page_renders_the_map_with_local_assets_only(client, sample, draft):
    res = client.get(f"/plan/drafts/{draft['id']}")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert "/static/vendor/leaflet-draw/leaflet.draw.js" in html
    assert re.search(r'<script [^>]*type="module" src="/static/js/plan/editor.js">', html)
    assert "/static/vendor/leaflet-draw/leaflet.draw.css" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no asset from another host"
    # Every inline script carries this response's nonce (CSP), and no inline handler is used.
    nonce = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html):
        assert f'nonce="{nonce}"' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son(click|change|submit|load)=", html)
    assert "GridMapPlan.init(" in html and f'"version": {draft["id"]}' in html
    assert '"level": "grid"' in html and '"row_version": 1' in html
    # Chinese by default (the page's own new strings are translated with the others by the lead; these
    # are already in the catalogue).
    assert '<html lang="zh-CN">' in html
    for text in (">社区<", ">网格<", ">微网格<", "加载中…"):
        assert text in html, text


def test_editor_has_the_impact_preview_and_the_import_form(client, sample, draft):
    html = client.get(f"/plan/drafts/{draft['id']}?level=community").get_data(as_text=True)
    # Compare with the published version by default, or with any published or retired version by id;
    # never with a draft.
    select = re.search(r'<select id="plan-impact-against".*?</select>', html, re.S).group(0)
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values[0] == "" and str(sample["result"].version_id) in values
    assert str(draft["id"]) not in values
    for ident in ("plan-impact", "plan-impact-hide", "plan-impact-panel", "plan-impact-summary"):
        assert f'id="{ident}"' in html, ident
    form = re.search(r'<form id="plan-import-form".*?</form>', html, re.S).group(0)
    assert 'name="file"' in form and 'accept=".geojson,.json,.gpkg,.zip"' in form
    assert 'name="parent"' in form and 'name="crs"' in form
    # The level select offers the editable levels, the one being edited chosen.
    levels = re.search(r'<select id="plan-import-level" name="level".*?</select>', form, re.S).group(0)
    assert re.findall(r'value="(\w+)"', levels) == ["subdistrict", "community", "grid", "micro"]
    assert re.search(r'value="community"\s+selected', levels)
    # The diff's styles reach the script: old outlines dashed red, new ones solid blue.
    assert '"gm-plan-old"' in html and '"8 6"' in html and '"gm-plan-new"' in html


def test_impact_choice_lists_retired_versions(client, sample, draft):
    published = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"row_version": draft["row_version"]})
    assert published.status_code == 200, published.get_json()
    other = client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-08-01"}).get_json()
    html = client.get(f"/plan/drafts/{other['id']}?lang=en").get_data(as_text=True)
    select = re.search(r'<select id="plan-impact-against".*?</select>', html, re.S).group(0)
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select))
    assert "published" in options[str(draft["id"])]
    assert "retired" in options[str(sample["result"].version_id)]


@pytest.mark.parametrize("level,child", [("community", "grid"), ("grid", "micro"), ("micro", None)])
def test_editor_level_choice(client, sample, draft, level, child):
    html = client.get(f"/plan/drafts/{draft['id']}?level={level}").get_data(as_text=True)
    assert f'"level": "{level}"' in html
    assert ('"key": "planChildren"' in html) == (child is not None)


def test_editor_in_english(client, sample, draft):
    html = client.get(f"/plan/drafts/{draft['id']}?lang=en").get_data(as_text=True)
    assert "Undo" in html and "Publish" in html


def test_unknown_draft_is_404_and_a_published_one_is_shown_read_only(client, sample, draft):
    res = client.get("/plan/drafts/999999")
    assert res.status_code == 404 and "999999" in res.get_data(as_text=True)
    # The app's own error page, as every 404: a heading and a tab title, never " · 网格地图" alone.
    html = res.get_data(as_text=True)
    assert "<title>页面不存在 · 网格地图</title>" in html
    assert re.search(r'<h1 class="h4">页面不存在</h1>', html) and 'data-status="404"' in html
    res = client.get(f"/plan/drafts/{sample['result'].version_id}")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and 'id="plan-readonly"' in html and 'data-status="published"' in html
    assert 'id="plan-publish"' not in html and 'id="plan-merge"' not in html and '"readOnly": true' in html
    # A draft, once published, keeps its page: the published version, read-only, with its edit log.
    d = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"row_version": draft["row_version"]}).get_json()
    assert d["scheduled"] is False
    html = client.get(f"/plan/drafts/{draft['id']}").get_data(as_text=True)
    assert 'data-status="published"' in html and "第 2 版" in html
    old = client.get(f"/plan/drafts/{sample['result'].version_id}").get_data(as_text=True)
    assert 'data-status="retired"' in old


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client_as, sample, role):
    c = client_as(role, areas=["410102001"] if role == "worker" else ())
    home = c.get("/").get_data(as_text=True)
    if allows(role, "grids:edit"):
        assert c.get("/plan").status_code == 200
        opened = c.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-07-01"})
        assert opened.status_code == 201
        assert c.get(f"/plan/drafts/{opened.get_json()['id']}").status_code == 200
        assert 'href="/plan"' in home
    else:
        assert c.get("/plan").status_code == 403
        assert c.get("/plan/drafts/1").status_code == 403
        assert 'href="/plan"' not in home


def test_anonymous_is_sent_to_sign_in(anon, sample):
    res = anon.get("/plan", headers={"Accept": "text/html"})
    assert res.status_code == 302 and "/login?next=" in res.headers["Location"]


def test_published_version_page_names_its_date_and_author(client, sample, draft, db):
    """The read-only page of a published version says since when it is in force and who made it, and
    a field nobody recorded reads "未记录", never an empty "自 起生效"."""
    from app.models import BoundaryVersion

    published = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"row_version": draft["row_version"]})
    assert published.status_code == 200, published.get_json()
    html = client.get(f"/plan/drafts/{draft['id']}").get_data(as_text=True)
    assert "已发布为第 2 版，自 2026-07-01 起生效" in html
    author = re.search(r'<dd id="plan-author">(.*?)</dd>', html, re.S).group(1)
    assert "test-admin" in author and "未记录" not in author
    # A version without a recorded date or author (as older databases have): the day it was published,
    # said to be that, and "not recorded" for the author.
    version = db.session.get(BoundaryVersion, draft["id"])
    version.effective_date, version.author, version.author_id = None, None, None
    db.session.flush()
    html = client.get(f"/plan/drafts/{draft['id']}").get_data(as_text=True)
    assert "自 起生效" not in html and "，自 " in html
    since = re.search(r"已发布为第 2 版，自 (\d{4}-\d\d-\d\d) 起生效", html).group(1)
    effective = re.search(r'<dd id="plan-effective-date">(.*?)</dd>', html, re.S).group(1)
    assert since in effective and "按发布当天计" in effective
    assert "未记录" in re.search(r'<dd id="plan-author">(.*?)</dd>', html, re.S).group(1)
    version.published_at = None
    db.session.flush()
    html = client.get(f"/plan/drafts/{draft['id']}").get_data(as_text=True)
    assert "已发布为第 2 版：这是现行边界" in html and "起生效" not in html


def test_first_import_records_its_author_and_day(sample):
    """The version a first grid import creates is a publication like any other: by whom, from when."""
    import datetime as dt

    from app.beijing import BEIJING
    from app.models.boundary import published_version

    version = published_version()
    assert version.effective_date == dt.datetime.now(BEIJING).date()
    assert version.author
