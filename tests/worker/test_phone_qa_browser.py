"""QA walk of 2026-12-07 on the worker's phone app, in headless chromium at 390x844 with touch and
geolocation: R11 (the offline notice leaves the title whole), R12 (geolocation errors said by their
code with what to do, gone when a position comes), R13 (form errors go when the field is put right),
R16 (no blank band under the header of /m/)."""
from __future__ import annotations

import pytest

from tests.browser import sign_in
from tests.worker.conftest import (HERE, PASSWORD, WAIT_MS, WORKER, dispatched_task, no_horizontal_scroll, phone_context,
                                  watch)

pytestmark = [pytest.mark.browser]

#: navigator.geolocation replaced by one the test drives: window.__geo.fail(code) / window.__geo.fix(lon, lat, m)
#: call the callbacks of every watch and pending request, as the browser would.
DRIVEN_GEOLOCATION = """
(() => {
  const calls = [];
  let next = 1;
  const geo = {
    getCurrentPosition(ok, err) { calls.push({ ok, err, once: true }); },
    watchPosition(ok, err) { calls.push({ ok, err, id: next }); return next++; },
    clearWatch(id) { const i = calls.findIndex(c => c.id === id); if (i >= 0) calls.splice(i, 1); },
  };
  Object.defineProperty(navigator, "geolocation", { value: geo, configurable: true });
  window.__geo = {
    watching: () => calls.length,
    fail(code) {
      calls.slice().forEach(c => { c.err && c.err({ code, message: "driven " + code,
                                                    PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3 }); });
      for (let i = calls.length - 1; i >= 0; i--) if (calls[i].once) calls.splice(i, 1);
    },
    fix(lon, lat, accuracy) {
      const pos = { timestamp: Date.now(), coords: { longitude: lon, latitude: lat, accuracy } };
      calls.slice().forEach(c => c.ok(pos));
      for (let i = calls.length - 1; i >= 0; i--) if (calls[i].once) calls.splice(i, 1);
    },
  };
})();
"""

MESSAGES = {
    1: ("不允许本网站使用您的位置", "浏览器设置"),
    2: ("暂时无法确定您的位置", "定位服务"),
    3: ("获取位置超时", "定位服务"),
}


def _phone(browser, live_server, *, driven: bool = False, **extra):
    context = phone_context(browser, **extra)
    if driven:
        context.add_init_script(DRIVEN_GEOLOCATION)
    pg = context.new_page()
    watch(pg, live_server)
    sign_in(pg, live_server, WORKER, PASSWORD)
    pg.context_ref = context
    return pg


def test_the_task_list_starts_right_under_the_header(phone, live_server, admin_token, phone_worker):
    """R16: no empty status band between the header and the first heading."""
    dispatched_task(live_server, admin_token, phone_worker["id"])
    phone.goto(f"{live_server}/m/")
    phone.wait_for_function("() => window.gridmapTasks && window.gridmapTasks.loaded >= 1", timeout=WAIT_MS)
    assert phone.inner_text("#tasks-status") == ""
    bar = phone.locator(".gm-app-bar").bounding_box()
    heading = phone.locator("#tasks-open-title").bounding_box()
    assert heading["y"] - (bar["y"] + bar["height"]) <= 20, (bar, heading)
    # A message, when there is one, still shows where it did.
    phone.evaluate("() => { document.getElementById('tasks-status').textContent = '无网络'; }")
    assert phone.locator("#tasks-status").bounding_box()["height"] > 10


def test_the_offline_notice_leaves_the_patrol_title_whole(phone, live_server):
    """R11: the notice takes a row under the title; the title keeps its width."""
    phone.goto(f"{live_server}/m/patrol")
    phone.wait_for_function("() => window.gridmapPatrol && window.gridmapWorker", timeout=WAIT_MS)
    phone.context_ref.set_offline(True)
    net = phone.locator("#app-net")
    net.wait_for(state="visible", timeout=WAIT_MS)
    assert "无网络" in net.inner_text()
    title = phone.locator(".gm-app-title")
    assert title.inner_text() == "巡查"
    assert phone.evaluate("() => { const t = document.querySelector('.gm-app-title');"
                          " return t.scrollWidth <= t.clientWidth; }"), "the title is cut"
    assert title.bounding_box()["width"] >= 100
    # The notice sits under the title, the whole width of the bar.
    assert net.bounding_box()["y"] >= title.bounding_box()["y"] + title.bounding_box()["height"] - 1
    assert net.bounding_box()["width"] >= 300
    no_horizontal_scroll(phone)
    phone.context_ref.set_offline(False)


@pytest.mark.parametrize("code", [2, 3])
def test_a_patrols_location_error_is_explained_and_goes_with_the_next_fix(browser, live_server, phone_worker, code):
    """R12: the message names the trouble and the way out, never a bare code; a position clears it."""
    pg = _phone(browser, live_server, driven=True)
    try:
        pg.goto(f"{live_server}/m/patrol")
        pg.wait_for_function("() => window.gridmapPatrol && window.gridmapWorker", timeout=WAIT_MS)
        pg.locator("#patrol-toggle").tap()
        pg.wait_for_function("() => window.__geo.watching() === 1", timeout=WAIT_MS)
        pg.evaluate(f"() => window.__geo.fail({code})")
        status = pg.locator("#patrol-status")
        text = status.inner_text()
        for words in MESSAGES[code]:
            assert words in text, text
        assert f"（{code}）" not in text and f"({code})" not in text and "driven" not in text
        assert "gm-app-error" in status.get_attribute("class")
        # Too imprecise a position is said too, and goes as well.
        pg.evaluate(f"() => window.__geo.fix({HERE['longitude']}, {HERE['latitude']}, 5000)")
        assert "±5000" in status.inner_text()
        pg.evaluate(f"() => window.__geo.fix({HERE['longitude']}, {HERE['latitude']}, 8)")
        pg.wait_for_function("() => window.gridmapPatrol.recorded >= 1", timeout=WAIT_MS)
        assert status.inner_text() == "" and "gm-app-error" not in status.get_attribute("class")
        pg.locator("#patrol-toggle").tap()
        pg.wait_for_function("() => window.gridmapPatrol.stopping", timeout=WAIT_MS)
        pg.evaluate("() => window.gridmapPatrol.stopping")
        assert pg.watch.console_errors == []
    finally:
        pg.context_ref.close()


def test_a_denied_location_says_how_to_allow_it(browser, live_server, phone_worker):
    """R12 with chromium's own refusal (no permission granted): code 1, said in words with the fix."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    pg = context.new_page()
    watch(pg, live_server)
    try:
        sign_in(pg, live_server, WORKER, PASSWORD)
        pg.goto(f"{live_server}/m/report")
        pg.locator("#where-locate").tap()
        pg.wait_for_function("() => document.getElementById('where-status').classList.contains('gm-app-error')",
                             timeout=WAIT_MS)
        text = pg.inner_text("#where-status")
        for words in MESSAGES[1]:
            assert words in text, text
        assert "地图" in text   # and the other ways: tap the map, type an address
        # Allowed now: the next tap finds the phone and the message is replaced.
        context.grant_permissions(["geolocation"])
        context.set_geolocation(HERE)
        pg.locator("#where-locate").tap()
        pg.wait_for_function("() => document.getElementById('where-lon').value !== ''", timeout=WAIT_MS)
        assert "gm-app-error" not in pg.get_attribute("#where-status", "class")
        assert MESSAGES[1][0] not in pg.inner_text("#where-status")
    finally:
        context.close()


def test_the_lookup_pages_location_error_is_explained(browser, live_server, phone_worker):
    pg = _phone(browser, live_server, driven=True)
    try:
        pg.goto(f"{live_server}/lookup")
        pg.locator("#lookup-locate").tap()
        pg.evaluate("() => window.__geo.fail(3)")
        text = pg.inner_text("#lookup-status")
        assert MESSAGES[3][0] in text and "输入地址" in text, text
    finally:
        pg.context_ref.close()


def test_report_form_errors_go_when_the_field_is_put_right(phone, live_server):
    """R13: each check's message and mark go as soon as that field has a value."""
    phone.goto(f"{live_server}/m/report")
    status, category, description = phone.locator("#report-status"), phone.locator("#report-category"), \
        phone.locator("#report-description")
    phone.locator("#report-submit").tap()
    assert "请选择事件类别" in status.inner_text()
    # Said under the field too (the status is below the fold on a phone), and gone with the mark.
    assert phone.locator("#report-category-feedback").is_visible()
    assert "is-invalid" in category.get_attribute("class") and category.get_attribute("aria-invalid") == "true"
    phone.select_option("#report-category", "0102")
    assert status.inner_text() == ""
    assert "is-invalid" not in category.get_attribute("class") and category.get_attribute("aria-invalid") is None
    assert not phone.locator("#report-category-feedback").is_visible()

    phone.locator("#report-submit").tap()
    assert "is-invalid" in description.get_attribute("class") and status.inner_text() != ""
    description.fill("人行道井盖缺失")
    assert status.inner_text() == "" and "is-invalid" not in description.get_attribute("class")

    phone.locator("#report-submit").tap()
    assert "位置" in status.inner_text() or "地址" in status.inner_text()
    phone.fill("#where-address", "建设路")
    assert status.inner_text() == ""
    # A pin is a place too.
    phone.fill("#where-address", "")
    phone.locator("#report-submit").tap()
    assert status.inner_text() != ""
    phone.locator("#where-map .folium-map").tap(position={"x": 120, "y": 120})
    phone.wait_for_function("() => document.getElementById('where-lon').value !== ''", timeout=WAIT_MS)
    assert status.inner_text() == ""
    assert phone.watch.console_errors == []
