"""Every time a page shows is Beijing time, written YYYY-MM-DD HH:mm in both languages.

/plan showed times in UTC while the desk showed Beijing time. One filter (``beijing``,
app.i18n.beijing_time) formats every time in the templates.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.i18n import beijing_time

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


@pytest.mark.parametrize("value, precision, shown", [
    (datetime(2026, 5, 12, 1, 30, 15, tzinfo=timezone.utc), "minutes", "2026-05-12 09:30"),
    (datetime(2026, 5, 12, 20, 5, 0, tzinfo=timezone.utc), "minutes", "2026-05-13 04:05"),   # the next Beijing day
    (datetime(2026, 5, 12, 1, 30, 15), "seconds", "2026-05-12 09:30:15"),                    # naive: UTC
    (datetime(2026, 5, 12, 9, 30, tzinfo=timezone(timedelta(hours=8))), "clock", "09:30"),
    ("2026-05-12T01:30:00+00:00", "minutes", "2026-05-12 09:30"),                            # JSON views' text
    ("2026-05-12T01:30:00Z", "minutes", "2026-05-12 09:30"),
    (None, "minutes", ""),
])
def test_beijing_time(app, value, precision, shown):
    for lang in ("zh", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            assert beijing_time(value, precision) == shown


def test_the_plan_page_shows_a_drafts_time_in_beijing_time(client, sample):
    draft = client.post("/api/v1/drafts", json={"note": "时间测试", "effective_date": "2026-07-01"}).get_json()
    created = datetime.fromisoformat(draft["created_at"])
    html = client.get("/plan").get_data(as_text=True)
    beijing = created.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*{re.escape(draft["note"])}(?:(?!</tr>).)*</tr>', html, re.S)
    assert row and beijing in row.group(0)
    assert created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") not in row.group(0)


def test_the_users_page_shows_the_last_sign_in_in_beijing_time(app, client, db):
    from app.auth import users

    user = users.create("time-shown", "correct-horse-battery", "viewer", display_name="时间")
    user.last_login_at = datetime(2026, 5, 12, 23, 10, tzinfo=timezone.utc)
    db.session.commit()
    html = client.get("/admin/users?q=time-shown").get_data(as_text=True)
    assert "2026-05-13 07:10" in html and "2026-05-12 23:10" not in html


def test_no_template_formats_a_time_itself():
    """strftime, isoformat slicing or astimezone in a template would bypass the one rule."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for habit in (".strftime(", ".astimezone(", "[:16]", "|replace(\"T\""):
            if habit in text:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {habit}")
    assert offenders == []
