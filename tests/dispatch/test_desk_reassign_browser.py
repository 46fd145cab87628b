"""改派 (reassign) on the desk, in headless chromium (QA D3, D15): the candidates are the workers of the
event's grid, of its community and of the community's other grids, grouped by whose grid they work;
with nobody to hand it to the page says so beside the control (not as an option); the form asks for
the new assignee and the reason in Chinese before anything is sent; a new action clears the last
one's "done"; the history names people by their names, not their login names."""
from __future__ import annotations

import pytest

from tests.browser import sign_in
from tests.dispatch.helpers import DISPATCHER, PASSWORD, WAIT_MS, admin_token, assert_clean, open_desk, post_report
from tests.maps import helpers as sample

pytestmark = pytest.mark.browser

COMMUNITY = f"{sample.DISTRICT}001001"
NEIGHBOUR_GRID = f"{COMMUNITY}002"
#: A grid of the other subdistrict's community, whose only worker is its own.
LONE_GRID = f"{sample.DISTRICT}002001001"


@pytest.fixture
def community_people(desk_people, committed_db):
    """Beside the desk's dispatcher and the staffed grid's worker: a worker of the community's other
    grid, one of the community itself, and the lone worker of a grid of another community."""
    from app.auth import users

    made = {
        "neighbour": users.create("desk-neighbour", PASSWORD, "worker", display_name="邻格网格员丙",
                                  areas=[NEIGHBOUR_GRID]),
        "community": users.create("desk-community", PASSWORD, "worker", display_name="社区干事丁",
                                  areas=[COMMUNITY]),
        "lone": users.create("desk-lone", PASSWORD, "worker", display_name="独格网格员戊", areas=[LONE_GRID]),
    }
    committed_db.session.commit()
    return {name: u.id for name, u in made.items()} | desk_people


def _dispatched(live_server, assignee: int, lon: float, lat: float) -> str:
    token = admin_token()
    ticket = post_report(live_server, lon=lon, lat=lat)["ticket"]
    url = f"{live_server}/api/v1/reports/{ticket}/transitions"
    assert sample._call("POST", url, {"action": "accept", "expected_state": "reported"}, token=token)[0] == 200
    status, body = sample._call("POST", url, {"action": "dispatch", "expected_state": "accepted",
                                              "assignee": assignee}, token=token)
    assert status == 200, body
    return ticket


def _open_reassign(page):
    page.locator("#dispatch-actions button[data-action='reassign']").click()
    # Loaded: the people in groups, or (nobody to choose) the control disabled.
    page.wait_for_function("() => document.querySelector('#dispatch-assignee optgroup') "
                           "|| document.querySelector('#dispatch-assignee').disabled", timeout=WAIT_MS)


def test_reassign_offers_the_communitys_workers_and_asks_before_posting(blank_page, live_server, community_people):
    page = blank_page
    ticket = _dispatched(live_server, community_people["worker_id"], sample.X0 + 0.005, sample.Y0 + 0.004)
    sign_in(page, live_server, DISPATCHER, PASSWORD)
    open_desk(page, live_server, f"?ticket={ticket}")
    page.locator("#dispatch-actions button[data-action='extend']").wait_for(timeout=WAIT_MS)
    # A success left from an earlier action ...
    page.evaluate("() => { const m = document.getElementById('dispatch-message'); m.hidden = false;"
                  " m.className = 'alert alert-success'; m.textContent = '已完成：派遣。'; }")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/transitions" in r.url else None)
    _open_reassign(page)
    # ... is gone once a new action starts.
    assert page.locator("#dispatch-message").is_hidden()
    groups = page.locator("#dispatch-assignee optgroup").evaluate_all(
        "els => els.map(g => [g.label, Array.from(g.querySelectorAll('option')).map(o => o.textContent)])")
    labels = [g[0] for g in groups]
    assert labels == ["本网格", "社区工作人员", "本社区其他网格"]
    entries = dict(groups)
    assert "网格员乙" in entries["本网格"][0] and "当前承办人" in entries["本网格"][0]
    assert "社区干事丁" in entries["社区工作人员"][0] and "测试社区1" in entries["社区工作人员"][0]
    assert "邻格网格员丙" in entries["本社区其他网格"][0] and "第2网格" in entries["本社区其他网格"][0]
    assert not any("独格网格员戊" in o for opts in entries.values() for o in opts)   # another community
    assert page.locator("#dispatch-assignee-hint").is_hidden()

    # Nothing chosen, no reason: said in the form, in Chinese, and nothing is sent.
    page.locator("#dispatch-confirm").click()
    assert page.locator(".gm-field-error[data-error='assignee']").inner_text() == "请选择承办人。"
    assert "请填写原因" in page.locator(".gm-field-error[data-error='note']").inner_text()
    page.select_option("#dispatch-assignee", str(community_people["neighbour"]))
    page.locator("#dispatch-confirm").click()
    assert page.locator(".gm-field-error[data-error='assignee']").inner_text() == ""
    assert "请填写原因" in page.locator(".gm-field-error[data-error='note']").inner_text()
    assert posts == []

    page.fill("#dispatch-note", "网格员乙请假")
    page.locator("#dispatch-confirm").click()
    entry = page.locator("#dispatch-history li[data-action='reassign']")
    entry.wait_for(timeout=WAIT_MS)
    text = entry.inner_text()
    assert "网格员乙 → 邻格网格员丙" in text and "网格员乙请假" in text
    # People by name: the dispatcher's display name, never the login name.
    assert "操作人：调度员甲" in text and DISPATCHER not in page.locator("#dispatch-history").inner_text()
    assert page.locator("#dispatch-message.alert-success").is_visible()
    # The next action starts clean.
    page.locator("#dispatch-actions button[data-action='extend']").click()
    assert page.locator("#dispatch-message").is_hidden()
    assert len(posts) == 1
    assert_clean(page)


def test_with_nobody_else_the_reason_is_beside_the_control_on_a_phone(browser, live_server, community_people):
    ticket = _dispatched(live_server, community_people["lone"], sample.X0 + 0.045, sample.Y0 + 0.007)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        sign_in(page, live_server, DISPATCHER, PASSWORD)
        open_desk(page, live_server, f"?ticket={ticket}")
        page.locator("#dispatch-actions button[data-action='reassign']").wait_for(timeout=WAIT_MS)
        page.locator("#dispatch-actions button[data-action='reassign']").tap()
        hint = page.locator("#dispatch-assignee-hint")
        hint.wait_for(state="visible", timeout=WAIT_MS)
        assert hint.inner_text() == "该事件所在网格及所属社区没有其他可改派的人员：请撤回后重新派遣，或升级上报。"
        options = page.locator("#dispatch-assignee option").evaluate_all("els => els.map(o => o.textContent)")
        assert not any("撤回" in o for o in options)
        assert page.locator("#dispatch-assignee").is_disabled()
        box = hint.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.locator("#dispatch-confirm").tap()
        assert page.locator(".gm-field-error[data-error='assignee']").inner_text() == "请选择承办人。"
        assert errors == []
    finally:
        context.close()
