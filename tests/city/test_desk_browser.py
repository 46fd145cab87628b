"""Issue 19 in the browser: a city dispatcher and two district dispatchers on the dispatch desk.

The city dispatcher's desk lists both districts' events and offers the district filter; a district
dispatcher's desk lists only theirs; the transfer dialog (转办) moves an event to the other district,
on a 1440x900 screen and on a 390x844 phone.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.browser import sign_in
from tests.city import helpers as city
from tests.dispatch.helpers import WAIT_MS, open_desk

pytestmark = pytest.mark.browser


@pytest.fixture
def city_desk(live_server, committed_db):
    """Both districts committed, three dispatchers with passwords, one event in each district."""
    from app.auth import users
    from tests.samples import load_sample

    session = committed_db.session
    load_sample()
    city.add_erqi(session)
    people = {}
    for name, district in (("city-desk", None), ("zy-desk", city.ZHONGYUAN), ("eq-desk", city.ERQI)):
        people[name] = users.create(name, city.PASSWORD, "dispatcher", display_name=name, district=district)
    _, token = users.issue_token(people["city-desk"], "tests")
    session.commit()
    from flask import current_app

    client = current_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    tickets = {}
    for key, point, district in (("zhongyuan", city.IN_ZHONGYUAN, city.ZHONGYUAN), ("erqi", city.IN_ERQI, city.ERQI)):
        ticket = city.file_report(client, point, description=f"{key}的事件")["ticket"]
        city.settle_district(session, ticket, district)
        tickets[key] = ticket
    yield tickets
    # Empty the tables now (committed_db does it again), then the second district's row can go.
    from tests.conftest import _empty_tables

    session.rollback()
    _empty_tables()
    session.execute(text("DELETE FROM district WHERE code = :d"), {"d": city.ERQI})
    session.commit()


def _listed(page) -> set[str]:
    return set(page.evaluate("() => Object.keys(gridmapDispatch.store)"))


def _desk(browser, live_server, username, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  has_touch=width < 600, is_mobile=width < 600)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_plain(page, live_server, username)
    open_desk(page, live_server)
    return context, page, errors


def sign_in_plain(page, base_url, username):
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", city.PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_city_desk_shows_both_districts_and_filters(browser, live_server, city_desk):
    context, page, errors = _desk(browser, live_server, "city-desk", 1440, 900)
    try:
        assert _listed(page) == set(city_desk.values())
        assert "市级调度员" in page.locator("body").inner_text()
        options = page.locator("#dispatch-district option").evaluate_all("els => els.map(o => o.textContent)")
        assert options == ["全部区县", "中原区", "二七区"]
        # Each event in the queue names its district.
        assert "二七区" in page.locator(f"#dispatch-list li[data-ticket='{city_desk['erqi']}']").inner_text()
        assert "中原区" in page.locator(f"#dispatch-list li[data-ticket='{city_desk['zhongyuan']}']").inner_text()
        page.select_option("#dispatch-district", city.ERQI)
        page.wait_for_function("t => Object.keys(gridmapDispatch.store).length === 1 && t in gridmapDispatch.store",
                               arg=city_desk["erqi"], timeout=WAIT_MS)
        assert f"district={city.ERQI}" in page.url
        assert errors == []
    finally:
        context.close()


def test_district_desks_show_only_theirs(browser, live_server, city_desk):
    for username, key in (("zy-desk", "zhongyuan"), ("eq-desk", "erqi")):
        context, page, errors = _desk(browser, live_server, username, 1440, 900)
        try:
            assert _listed(page) == {city_desk[key]}
            assert page.locator("#dispatch-district").count() == 0
            assert errors == []
        finally:
            context.close()


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_transfer_dialog_moves_the_event(browser, live_server, city_desk, size):
    ticket = city_desk["zhongyuan"]
    context, page, errors = _desk(browser, live_server, "zy-desk", *size)
    try:
        page.locator(f"#dispatch-list li[data-ticket='{ticket}']").click()
        button = page.locator("#dispatch-transfer")
        button.wait_for(timeout=WAIT_MS)
        assert button.inner_text() == "转办到其他区"
        button.click()
        dialog = page.locator("#dispatch-transfer-dialog")
        dialog.wait_for(state="visible", timeout=WAIT_MS)
        assert page.locator("#dispatch-transfer-district option").evaluate_all(
            "els => els.map(o => o.value)") == [city.ERQI]
        # The reason is required of a district's dispatcher: the server says so beside the field.
        page.locator("#dispatch-transfer-confirm").click()
        error = page.locator(".gm-field-error[data-error='reason']")
        page.wait_for_function("() => document.querySelector(\"#dispatch-transfer-dialog [data-error='reason']\")"
                               ".textContent.length > 0", timeout=WAIT_MS)
        assert "原因" in error.inner_text()
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= size[0]
        page.fill("#dispatch-transfer-reason", "地址在二七区")
        page.locator("#dispatch-transfer-confirm").click()
        page.wait_for_function("t => !(t in gridmapDispatch.store)", arg=ticket, timeout=WAIT_MS)
        assert not dialog.is_visible()
        # The one refusal above is the browser's only complaint.
        assert [e for e in errors if "422" not in e] == [] and len(errors) == 1
    finally:
        context.close()
    # The other district's dispatcher now has it, with its history.
    context, page, errors = _desk(browser, live_server, "eq-desk", 1440, 900)
    try:
        assert ticket in _listed(page)
        page.locator(f"#dispatch-list li[data-ticket='{ticket}']").click()
        entry = page.locator("#dispatch-history li[data-action='transfer']")
        entry.wait_for(timeout=WAIT_MS)
        assert "地址在二七区" in entry.inner_text() and "中原区" in entry.inner_text()
        assert page.locator("#dispatch-history li[data-action='report']").count() == 1
        assert errors == []
    finally:
        context.close()


def test_city_desk_flags_an_event_left_outside_its_district(browser, live_server, city_desk, committed_db):
    """A publication left the 中原区 event's point in 二七区's grids (reassign.sql flags it): the queue
    badge and the panel say where to hand it, and the filter lists just those events."""
    ticket = city_desk["zhongyuan"]
    committed_db.session.execute(text("UPDATE report SET outside_district = true, point_district = :d "
                                      "WHERE ticket = :t"), {"d": city.ERQI, "t": ticket})
    committed_db.session.commit()
    context, page, errors = _desk(browser, live_server, "city-desk", 1440, 900)
    try:
        item = page.locator(f"#dispatch-list li[data-ticket='{ticket}'] .gm-badge-outside")
        item.wait_for(timeout=WAIT_MS)
        assert item.inner_text() == "位于二七区网格内：待交办/转办"
        assert page.locator(f"#dispatch-list li[data-ticket='{city_desk['erqi']}'] .gm-badge-outside").count() == 0
        page.locator(f"#dispatch-list li[data-ticket='{ticket}']").click()
        page.wait_for_function("() => document.querySelector('#dispatch-fields') && "
                               "document.querySelector('#dispatch-fields').innerText.includes('待交办')",
                               timeout=WAIT_MS)
        # The filter box is open on a wide screen.
        page.check("#dispatch-filters input[name=outside_district]")
        page.wait_for_function("t => Object.keys(gridmapDispatch.store).length === 1 && t in gridmapDispatch.store",
                               arg=ticket, timeout=WAIT_MS)
        assert "outside_district=true" in page.url
        assert errors == []
    finally:
        context.close()
