"""The dispatch desk shows the standard address (标准地址) a report was geocoded to (headless chromium).

The row is built in the DOM (textContent): the library's text stays text.
"""
from __future__ import annotations

import pytest

from tests.dispatch.helpers import WAIT_MS, assert_clean, open_desk, post_report
from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("map_data")]

#: A standard address inside the sample's first micro-grid (tests/maps/helpers.py).
ADDRESS = "测试路8号"


@pytest.fixture
def address_library(map_data, committed_db):
    """One standard address, imported through the service and committed for the live server."""
    from app.addresses.service import import_addresses

    result = import_addresses([{"地址": ADDRESS, "经度": sample.X0 + 0.004, "纬度": sample.Y0 + 0.006}],
                              source="test")
    assert not result.errors, result.errors
    committed_db.session.commit()


def _fields(page) -> dict:
    rows = page.locator("#dispatch-fields tr").evaluate_all(
        "trs => trs.map(tr => [tr.id, tr.querySelector('th').textContent, tr.querySelector('td').textContent])")
    return {label: (row_id, value) for row_id, label, value in rows}


def test_a_geocoded_report_shows_its_standard_address_and_confidence(page, live_server, address_library):
    answer = post_report(live_server, address="郑州市" + ADDRESS)
    assert answer["standard_address"]["full_text"] == ADDRESS, answer
    percent = round(answer["standard_address"]["confidence"] * 100)
    open_desk(page, live_server, f"?ticket={answer['ticket']}")
    row = page.locator("#dispatch-standard-address")
    row.locator("td").wait_for(timeout=WAIT_MS)
    assert row.locator("th").inner_text() in ("标准地址", "Standard address")
    value = row.locator("td").inner_text()
    assert value.startswith(ADDRESS + " · ") and value.endswith(f"{percent}%")
    # Right under the address as reported.
    labels = list(_fields(page))
    assert labels[labels.index(row.locator("th").inner_text()) - 1] in ("地址", "Address")
    assert_clean(page)


def test_a_report_sent_with_a_point_has_no_standard_address_row(page, live_server, address_library):
    ticket = post_report(live_server, lon=sample.X0 + 0.006, lat=sample.Y0 + 0.004, address=ADDRESS)["ticket"]
    open_desk(page, live_server, f"?ticket={ticket}")
    page.locator("#dispatch-history li[data-action='report']").wait_for(timeout=WAIT_MS)
    assert page.locator("#dispatch-fields tr").count() > 3
    assert page.locator("#dispatch-standard-address").count() == 0
    assert_clean(page)
