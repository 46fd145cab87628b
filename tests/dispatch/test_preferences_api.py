"""The desk's preferences (the new-event chime), kept per user on the server: off by default,
switched by the user, following them to another client, checked like every other input."""
from __future__ import annotations

import json

import pytest

from tests.api.helpers import SPEC_PATH, check

URL = "/api/v1/dispatch/preferences"


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def test_the_chime_is_off_until_the_user_switches_it_on_and_it_follows_them(app, client_as, spec):
    dispatcher = client_as("dispatcher", username="desk-zhao")
    assert check(spec, dispatcher.get(URL), URL) == {"chime": False}
    assert check(spec, dispatcher.put(URL, json={"chime": True}), URL, "put") == {"chime": True}
    # Another client of the same person (another console) finds it on; a colleague's stays off.
    from app.auth import users

    _, token = users.issue_token(dispatcher.user, "second console")
    from app.extensions import db

    db.session.commit()
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert other.get(URL).get_json() == {"chime": True}
    assert client_as("dispatcher", username="desk-qian").get(URL).get_json() == {"chime": False}
    # The stored value is the user's, kept beside what other pages may keep there.
    stored = db.session.get(type(dispatcher.user), dispatcher.user.id)
    db.session.refresh(stored)
    assert stored.preferences == {"desk": {"chime": True}}
    assert dispatcher.put(URL, json={"chime": False}).get_json() == {"chime": False}


def test_bad_preferences_are_refused_and_change_nothing(sample, client_as, anon, spec):
    worker = client_as("worker", areas=["410102001001001"])
    for body, field in (({"chime": "yes"}, "chime"), ({"volume": 3}, "volume"), ([True], "body")):
        res = worker.put(URL, json=body)
        check(spec, res, URL, "put")
        assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == field
    assert worker.get(URL).get_json() == {"chime": False}
    check(spec, anon.get(URL), URL)
    assert anon.put(URL, json={"chime": True}).status_code in (401, 403)
