"""A city dispatcher, two district dispatchers and the two districts' reports (tests/city/helpers.py)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.city import helpers as city


@dataclass
class City:
    grids: dict
    clients: dict
    users: dict
    tickets: dict  # "zhongyuan", "erqi", "outside" -> ticket


@pytest.fixture
def two_districts(app, db, sample):
    """The sample district 410102 plus 410103, and one report in each and one outside both (rolled back)."""
    grids = city.add_erqi(db.session)
    clients, users = {}, {}
    for name, role, district in (("city", "dispatcher", None), ("zy", "dispatcher", city.ZHONGYUAN),
                                 ("eq", "dispatcher", city.ERQI), ("cityview", "viewer", None),
                                 ("eqview", "viewer", city.ERQI)):
        user, token = city.make_user(db.session, f"{name}-user", role, district)
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        clients[name], users[name] = c, user
    tickets = {}
    for key, point, district in (("zhongyuan", city.IN_ZHONGYUAN, city.ZHONGYUAN), ("erqi", city.IN_ERQI, city.ERQI),
                                 ("outside", city.OUTSIDE, app.config["DISTRICT_CODE"])):
        body = city.file_report(clients["city"], point, description=f"{key} 的事件")
        city.settle_district(db.session, body["ticket"], district)
        tickets[key] = body["ticket"]
    return City(grids, clients, users, tickets)
