"""The audit log page (/admin/audit) in headless chromium, at a desk and on a phone: Chinese labels,
people by name, and at 390 px every entry a card whose cells all lie inside the screen."""
from __future__ import annotations

import pytest

from tests.browser import BROWSER_PASSWORD, BROWSER_USER, sign_in

pytestmark = [pytest.mark.browser]

#: Every cell of every row: its right edge, whether it is shown, the page's sideways scroll.
CELLS = """() => {
  const cells = [...document.querySelectorAll('#gm-audit tbody tr[data-id] td')];
  return {n: cells.length, inner: innerWidth, scroll: document.scrollingElement.scrollWidth,
          cut: cells.filter(td => { const r = td.getBoundingClientRect();
                                    return r.width === 0 || r.right > innerWidth + 1 || r.left < -1; })
                    .map(td => td.className),
          labels: cells.slice(0, 6).map(td => getComputedStyle(td, '::before').content)};
}"""


@pytest.fixture
def entries(map_data, committed_db, live_server):
    """A user created and changed by the administrator, so the log has a few kinds of entry."""
    from app.actor import Actor
    from app.audit import acting_as
    from app.auth import users
    from app.models import User

    admin = committed_db.session.query(User).filter_by(username=BROWSER_USER).one()
    with acting_as(Actor(admin.id, admin.username, "session")):
        user = users.create("wangguo", "long-enough-pw", "viewer", display_name="王国")
        committed_db.session.flush()
        users.update(user, role="dispatcher")
    committed_db.session.commit()


@pytest.mark.parametrize("width", [1440, 390])
def test_the_audit_log_reads_well_at_a_desk_and_on_a_phone(browser, live_server, entries, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                  is_mobile=width < 500, has_touch=width < 500)
    pg = context.new_page()
    try:
        sign_in(pg, live_server, BROWSER_USER, BROWSER_PASSWORD)
        pg.goto(live_server + "/admin/audit")
        text = pg.locator("#gm-audit tbody").inner_text()
        assert "新建账号" in text and "用户 王国" in text and "测试管理员" in text
        assert "user.create" not in text and "auth.login" not in text and '{"' not in text
        m = pg.evaluate(CELLS)
        assert m["n"] > 0 and m["cut"] == [], m
        assert m["scroll"] <= m["inner"], m
        if width < 500:
            # A card: each cell names its column.
            assert m["labels"][:4] == ['"时间"', '"操作人"', '"操作"', '"对象"'], m
        # The full record is there, folded.
        details = pg.locator("#gm-audit details").first
        assert not details.locator("pre").first.is_visible()
        details.locator("summary").click()
        assert details.locator("pre").first.is_visible()
        pg.screenshot(path=f"/tmp/planfix-audit-{width}.png", full_page=False)
    finally:
        context.close()
