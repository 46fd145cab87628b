"""Issue 19: the home page's boundaries and grid counts are the caller's district's, or every district's
for a city user (each district publishes its own versions)."""
from __future__ import annotations

import re

from sqlalchemy import text

from tests.city import helpers as city


def _levels(page: str) -> dict[str, int]:
    table = page[page.index('id="levels"'):]
    table = table[:table.index("</table>")]
    return {label: int(n) for label, n in re.findall(r"<td>([^<]+)</td>\s*<td[^>]*>(\d+)</td>", table)}


def test_home_counts_the_callers_district_or_the_city(two_districts, db):
    db.session.execute(text(
        "INSERT INTO boundary_version (name, status, generation, district_code, published_at) "
        "VALUES ('二七区初始边界', 'published', 1, :d, now())"), {"d": city.ERQI})
    db.session.flush()
    c = two_districts.clients
    eq_page = c["eq"].get("/").get_data(as_text=True)
    zy_page = c["zy"].get("/").get_data(as_text=True)
    city_page = c["city"].get("/").get_data(as_text=True)
    eq, zy, everything = _levels(eq_page), _levels(zy_page), _levels(city_page)
    # One district root each; the city counts both.
    assert eq["区"] == 1 and zy["区"] == 1 and everything["区"] == 2
    assert everything["网格"] == eq["网格"] + zy["网格"]
    assert "二七区初始边界" in eq_page and "二七区初始边界" not in zy_page
    versions = re.search(r'id="published-versions">(.*?)</p>', city_page, re.S)[1]
    assert "中原区" in versions and "二七区 二七区初始边界（第 1 版）" in versions
