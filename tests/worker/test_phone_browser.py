"""The worker's phone app in headless chromium at 390x844 with touch and geolocation: the task list,
taking an event to handled with a photo, reporting an event, a patrol recorded with the network
switched off and on again (each fix stored exactly once), and the app opening with no network."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.dispatch.helpers import open_desk
from tests.maps import helpers as sample
from tests.worker.conftest import HERE, WAIT_MS, camera_jpeg, dispatched_task, no_horizontal_scroll

pytestmark = [pytest.mark.browser]


def db_one(committed_db, sql: str, **params):
    committed_db.session.rollback()   # see what the live server committed
    return committed_db.session.execute(text(sql), params).one()


def open_tasks(pg, live_server):
    pg.goto(f"{live_server}/m/")
    pg.wait_for_function("() => window.gridmapTasks && window.gridmapTasks.loaded >= 1", timeout=WAIT_MS)


def test_the_task_list_and_an_event_taken_to_handled_with_a_photo(phone, page, live_server, admin_token,
                                                                  phone_worker, committed_db):
    later = dispatched_task(live_server, admin_token, phone_worker["id"], "路灯不亮")
    ticket = dispatched_task(live_server, admin_token, phone_worker["id"])
    open_tasks(phone, live_server)
    cards = phone.locator("#tasks-open li[data-ticket]")
    assert cards.count() == 2
    assert {cards.nth(0).get_attribute("data-ticket"), cards.nth(1).get_attribute("data-ticket")} == {ticket, later}
    card = phone.locator(f"#tasks-open li[data-ticket='{ticket}']")
    assert "楼道堆放杂物" in card.inner_text() and "期限" in card.inner_text()
    assert card.locator("a[href^='tel:']").get_attribute("href") == "tel:13912345678"
    no_horizontal_scroll(phone)

    # One tap: take it on.
    card.locator("button[data-action='start']").tap()
    phone.wait_for_function(f"() => document.querySelector(\"#tasks-open li[data-ticket='{ticket}']\")"
                            f".getAttribute('data-status') === 'in_progress'", timeout=WAIT_MS)
    # Done: a note and a photo from the camera.
    card.locator("button[data-action='handle']").tap()
    phone.locator("#finish").wait_for(state="visible")
    phone.fill("#finish-note", "已清理楼道杂物，通道恢复畅通")
    phone.set_input_files("#finish-photo", files=[{"name": "site.jpg", "mimeType": "image/jpeg",
                                                  "buffer": camera_jpeg(phone)}])
    phone.locator("#finish-preview").wait_for(state="visible")
    phone.locator("#finish-submit").tap()
    phone.wait_for_function(f"() => !!document.querySelector(\"#tasks-handled li[data-ticket='{ticket}']\")",
                            timeout=WAIT_MS)
    assert phone.locator(f"#tasks-open li[data-ticket='{ticket}']").count() == 0

    status, note, photos = db_one(committed_db, """
        SELECT r.status, t.note, t.details -> 'photos' FROM report r
        JOIN report_transition t ON t.report_id = r.id AND t.action = 'handle' WHERE r.ticket = :t""", t=ticket)
    assert status == "handled" and note == "已清理楼道杂物，通道恢复畅通"
    assert len(photos) == 1 and f"{live_server}/api/v1/photos/" in photos[0]
    kind, size = db_one(committed_db, "SELECT content_type, size FROM report_photo WHERE token = :t",
                        t=photos[0].rsplit("/", 1)[1])
    assert kind == "image/jpeg" and size > 1000
    # The handled event's photo is shown on its card (our own photo: an image, not a link elsewhere).
    phone.locator(f"#tasks-handled li[data-ticket='{ticket}']").wait_for()
    no_horizontal_scroll(phone)
    assert phone.watch.console_errors == [] and phone.watch.outside_requests == []

    # The dispatcher checking the work sees the worker's photo in the event's history on the desk.
    open_desk(page, live_server, f"?ticket={ticket}")
    thumb = page.locator("#dispatch-history li[data-action='handle'] .gm-h-photos img")
    thumb.wait_for(timeout=WAIT_MS)
    assert thumb.get_attribute("src") == photos[0]
    page.wait_for_function("() => { const i = document.querySelector('#dispatch-history .gm-h-photos img');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=WAIT_MS)
    assert page.watch.console_errors == [] and page.watch.outside_requests == []


def test_reporting_an_event_with_the_phones_location_and_a_photo(phone, live_server, phone_worker, committed_db):
    phone.goto(f"{live_server}/m/report")
    phone.select_option("#report-category", "0102")
    phone.fill("#report-description", "人行道井盖缺失，已设置临时警示")
    phone.set_input_files("#report-photo", files=[{"name": "IMG_2001.jpg", "mimeType": "image/jpeg",
                                                  "buffer": camera_jpeg(phone, 2400, 1800)}])
    phone.locator("#report-preview").wait_for(state="visible")
    phone.locator("#where-locate").tap()
    phone.wait_for_function("() => document.getElementById('where-lon').value !== ''", timeout=WAIT_MS)
    phone.wait_for_function("() => document.getElementById('where-status').textContent.includes('位于')",
                            timeout=WAIT_MS)
    no_horizontal_scroll(phone)
    phone.locator("#report-submit").tap()
    phone.wait_for_function("() => window.gridmapWorkerReport.results.length === 1", timeout=WAIT_MS)
    result = phone.evaluate("() => window.gridmapWorkerReport.results[0]")
    assert result["ok"] and result["status"] == 201
    assert result["body"]["ticket"] in phone.inner_text("#report-status")
    channel, name, phone_no, lon, lat, grid, media = db_one(committed_db, """
        SELECT r.channel, r.reporter_name, r.reporter_phone, ST_X(r.location), ST_Y(r.location), g.code, r.media_urls
        FROM report r JOIN grid g ON g.id = r.grid_id WHERE r.ticket = :t""", t=result["body"]["ticket"])
    assert channel == "worker_app" and name == "网格员丙" and phone_no == "13800000009"
    assert abs(lon - HERE["longitude"]) < 1e-6 and abs(lat - HERE["latitude"]) < 1e-6
    assert grid.startswith(sample.STAFFED_GRID)
    (size,) = db_one(committed_db, "SELECT size FROM report_photo WHERE token = :t", t=media[0].rsplit("/", 1)[1])
    # Scaled down in the browser: the longest side at most 1600 px, far under the camera's bytes.
    assert size < 200_000
    assert phone.watch.console_errors == [] and phone.watch.outside_requests == []


def test_a_patrol_recorded_offline_is_stored_once_when_the_network_returns(phone, live_server, phone_worker,
                                                                         committed_db):
    context = phone.context_ref
    phone.goto(f"{live_server}/m/patrol")
    phone.wait_for_function("() => window.gridmapPatrol && window.gridmapWorker", timeout=WAIT_MS)
    phone.locator("#patrol-toggle").tap()
    phone.wait_for_function("() => window.gridmapPatrol.state.running && window.gridmapPatrol.state.session",
                            timeout=WAIT_MS)
    phone.wait_for_function("() => window.gridmapPatrol.recorded >= 1", timeout=WAIT_MS)

    context.set_offline(True)
    phone.wait_for_function("() => !navigator.onLine", timeout=WAIT_MS)
    for step in range(1, 7):    # a walk of some 10 m per step
        phone.wait_for_timeout(1100)
        context.set_geolocation({**HERE, "latitude": HERE["latitude"] + step * 0.0001})
        phone.wait_for_function(f"() => window.gridmapPatrol.recorded >= {1 + step}", timeout=WAIT_MS)
    recorded = phone.evaluate("() => window.gridmapPatrol.recorded")
    # A send while offline keeps everything on the phone.
    report = phone.evaluate("() => window.gridmapWorker.flush()")
    assert report["offline"] is True
    waiting = phone.evaluate("() => window.gridmapWorker.refreshQueue()")
    assert waiting["fixes"] >= 6
    assert phone.locator("#app-net").is_visible()

    context.set_offline(False)
    phone.wait_for_function("() => window.gridmapWorker.waiting && window.gridmapWorker.waiting.fixes === 0",
                            timeout=WAIT_MS)
    # Sending again (a second tab, a lost answer) adds nothing.
    phone.evaluate("() => window.gridmapWorker.flush()")
    phone.locator("#patrol-toggle").tap()
    phone.wait_for_function("() => !window.gridmapPatrol.state.running && window.gridmapPatrol.stopping",
                            timeout=WAIT_MS)
    phone.evaluate("() => window.gridmapPatrol.stopping")
    assert phone.evaluate("() => window.gridmapWorker.refreshQueue()")["jobs"] == 0
    recorded = phone.evaluate("() => window.gridmapPatrol.recorded")
    stored, distinct = db_one(committed_db, "SELECT count(*), count(DISTINCT time) FROM patrol_fix WHERE worker_id = :w",
                              w=phone_worker["id"])
    (rejected,) = db_one(committed_db, "SELECT count(*) FROM patrol_fix_rejected WHERE worker_id = :w",
                         w=phone_worker["id"])
    assert stored == distinct == recorded and rejected == 0
    (stopped,) = db_one(committed_db, "SELECT stopped_at IS NOT NULL FROM patrol_session WHERE worker_id = :w",
                        w=phone_worker["id"])
    assert stopped
    # Today's figures come from the server and show the patrol.
    phone.wait_for_function("() => window.gridmapPatrol.figures && window.gridmapPatrol.figures.fixes > 0",
                            timeout=WAIT_MS)
    assert phone.inner_text("#patrol-distance").endswith("km")
    no_horizontal_scroll(phone)
    assert phone.watch.outside_requests == []


def test_the_app_opens_with_no_network_once_installed(phone, live_server, admin_token, phone_worker):
    ticket = dispatched_task(live_server, admin_token, phone_worker["id"])
    open_tasks(phone, live_server)
    phone.wait_for_function("async () => { const r = await navigator.serviceWorker.ready; return !!r.active; }",
                            timeout=WAIT_MS)
    phone.reload()   # now controlled by the service worker, which keeps the answers too
    phone.wait_for_function("() => navigator.serviceWorker.controller && window.gridmapTasks.loaded >= 1",
                            timeout=WAIT_MS)
    phone.context_ref.set_offline(True)
    for path in ("/m/", "/m/report", "/m/patrol"):
        phone.goto(f"{live_server}{path}")
        phone.locator(".gm-app-tabs").wait_for()
        assert phone.locator("#app-net").is_visible()
    phone.goto(f"{live_server}/m/")
    phone.wait_for_function("() => window.gridmapTasks.loaded >= 1", timeout=WAIT_MS)
    assert phone.locator(f"#tasks-open li[data-ticket='{ticket}']").count() == 1
    assert "无网络" in phone.inner_text("#tasks-status")
