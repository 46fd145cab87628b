"""The planners' list and read-only pages in headless chromium: the new-draft form checks its fields
before it posts (and shows the API's refusal by the field's label), a published version names since
when it is in force and who made it, a missing draft is the app's 404 page with a tab title."""
from __future__ import annotations

import re

import pytest

from tests.browser import BROWSER_USER

pytestmark = [pytest.mark.browser]


def _posts(pg) -> list[str]:
    sent = []
    pg.on("request", lambda r: sent.append(r.url) if r.method == "POST" and "/api/v1/drafts" in r.url else None)
    return sent


def test_a_draft_without_an_effective_date_is_stopped_in_the_page(page, live_server):
    sent = _posts(page)
    page.goto(live_server + "/plan")
    page.fill("#draft-note", "没有日期的草稿")
    page.click("#plan-open-draft")
    error = page.locator("#plan-error")
    error.wait_for(state="visible")
    assert error.inner_text().strip() == "请填写生效日期。"
    assert "is-invalid" in page.get_attribute("#draft-effective", "class")
    assert page.evaluate("() => document.activeElement.id") == "draft-effective"
    assert sent == [] and page.url.endswith("/plan")
    # The note is checked the same way (named without its hint in brackets).
    page.fill("#draft-note", "")
    page.fill("#draft-effective", "2026-07-01")
    page.click("#plan-open-draft")
    page.wait_for_function("() => document.getElementById('plan-error').textContent.includes('说明')")
    assert "effective" not in error.inner_text() and sent == []
    assert "is-invalid" not in (page.get_attribute("#draft-effective", "class") or "")
    # Should the server refuse a field all the same (the page's check bypassed), its message names the
    # field as the page labels it, and the field is marked.
    page.evaluate("() => document.getElementById('draft-effective').removeAttribute('required')")
    page.fill("#draft-note", "绕过检查")
    page.fill("#draft-effective", "")
    page.click("#plan-open-draft")
    page.wait_for_function("() => document.getElementById('plan-error').textContent.includes('生效日期')")
    text = error.inner_text()
    assert "effective_date" not in text and text.startswith("请求失败")
    assert len(sent) == 1 and "is-invalid" in page.get_attribute("#draft-effective", "class")
    assert page.watch.outside_requests == []
    # Filled in, it opens.
    page.fill("#draft-effective", "2026-07-01")
    with page.expect_navigation(url=re.compile(r"/plan/drafts/\d+$")):
        page.click("#plan-open-draft")


def test_the_published_version_names_its_date_and_author(page, live_server):
    page.goto(live_server + "/plan")
    link = page.locator("#plan-versions a").first
    with page.expect_navigation():
        link.click()
    assert page.title().startswith("版本 ")   # not "编辑草稿": a published version is not edited here
    banner = page.locator("#plan-readonly").inner_text()
    assert re.search(r"已发布为第 \d+ 版，自 \d{4}-\d\d-\d\d 起生效", banner), banner
    assert "自 起生效" not in banner
    # Imported by the browser's administrator through the API: named as a person, the login beside it.
    assert page.locator("#plan-author").inner_text().startswith("测试管理员")
    assert BROWSER_USER in page.locator("#plan-author").inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", page.locator("#plan-effective-date").inner_text().strip())


def test_a_missing_draft_is_the_404_page_with_a_title(page, live_server):
    res = page.goto(live_server + "/plan/drafts/999999")
    assert res.status == 404
    assert page.title() == "页面不存在 · 网格地图"
    assert page.locator("h1").inner_text() == "页面不存在"
    assert "999999" in page.locator(".gm-error-message").inner_text()
