"""The audit log page (/admin/audit) as people read it: actions as Chinese labels, people by name,
objects by label, changed fields instead of raw JSON (still folded away), newest first; and its parts:
every action code the app records has a label (app.admin.audit_labels), the keyset order (time, id)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import text

from app.models import AuditEntry
from tests.auth_helpers import sign_in
from tests.conftest import PASSWORD


def _recorded_codes() -> set[str]:
    """Every literal action code passed to app.audit.record in the app's source."""
    import app as package

    codes = set()
    for path in Path(package.__file__).parent.rglob("*.py"):
        codes |= set(re.findall(r'\brecord\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    return codes


def test_every_recorded_action_has_a_label(app):
    from app.admin.audit_labels import EDIT_KIND_LABELS, action_label
    from app.events.workflow import ACTIONS
    from app.models.boundary import OPERATION_KINDS

    codes = _recorded_codes()
    assert len(codes) > 30
    codes |= {f"report.{a}" for a in ACTIONS} | {f"draft.{k}" for k in OPERATION_KINDS}
    assert set(OPERATION_KINDS) <= set(EDIT_KIND_LABELS)
    with app.test_request_context("/"):
        unlabelled = sorted(c for c in codes if action_label(c) == c)
        assert unlabelled == []
        assert action_label("user.create") == "新建账号"
        assert action_label("report.dispatch") == "事件：派遣"
        assert action_label("draft.split").startswith("草稿编辑：")
        assert action_label("something.new") == "something.new"   # an unknown code is shown as it is


def test_changes_lists_the_fields_that_differ():
    from app.admin.audit_labels import Change, changes

    assert changes({"role": "worker", "name": "王"}, {"role": "dispatcher", "name": "王"}) == [
        Change("role", "worker", "dispatcher")]
    assert changes(None, {"username": "feng", "areas": ["1", "2"]}) == [
        Change("username", None, "feng"), Change("areas", None, "1、2")]
    assert changes(None, {"by_level": {"grid": 9, "micro": 16}, "active": False})[0].after == "grid 9，micro 16"
    assert changes({"a": 1}, None) == [Change("a", "1", None)]
    assert changes(None, {"phone": "", "grid_id": None, "name": "x"}) == [Change("name", None, "x")]
    assert changes({"phone": None}, {"phone": "1"}) == [Change("phone", None, "1")]
    long = changes(None, {"text": "长" * 200})[0].after
    assert len(long) == 80 and long.endswith("…")


def _admin(app, db, username="audit-reader", display="审计员"):
    from app.auth import users

    users.create(username, PASSWORD, "admin", display_name=display)
    db.session.commit()
    c = app.test_client()
    assert sign_in(c, username, PASSWORD).status_code == 302
    return c


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-id="\d+".*?</tr>', html, re.S)


def test_the_page_names_actions_people_and_objects(app, client, db, sample):
    created = client.post("/api/v1/users", json={"username": "wangguo", "password": "long-enough-pw",
                                                 "role": "viewer", "display_name": "王国"}).get_json()
    assert client.patch(f"/api/v1/users/{created['id']}",
                        json={"role": "dispatcher", "row_version": 1}).status_code == 200
    c = _admin(app, db)
    html = c.get("/admin/audit").get_data(as_text=True)
    rows = _rows(html)
    update = next(r for r in rows if 'data-action="user.update"' in r)
    # The action in Chinese (its code kept as a tooltip), the object by the person's name, the actor by
    # display name with the login beside it (the client fixture's account has none: its login shows).
    assert ">修改账号<" in update and 'title="user.update"' in update
    assert "用户 王国" in update and 'title="登录名: wangguo"' in update
    assert "test-admin" in update
    # Only what changed, as field: before → after; the whole record folded into <details>.
    changed = re.search(r'<ul class="gm-audit-fields">(.*?)</ul>', update, re.S).group(1)
    assert "role" in changed and "viewer → dispatcher" in changed and "wangguo" not in changed
    assert "<details" in update and "完整记录" in update
    assert re.search(r"<details.*(&#34;|&quot;|\")role(&#34;|&quot;|\")", update, re.S)
    # The sign-in of this page's reader: "登录", by 审计员, with the login muted.
    login = next(r for r in rows if 'data-action="auth.login"' in r)
    assert ">登录<" in login and "审计员" in login and "audit-reader" in login
    assert "账号 审计员" in login
    # The sample's grid import: by the command line, about a boundary version.
    grid = next(r for r in rows if 'data-action="grid.import"' in r)
    assert "导入网格" in grid and "命令行（" in grid and "cli:" not in grid.split("<details")[0]
    assert re.search(r"边界版本 \d+（初始边界）", grid)   # ids are not reset between tests
    # No English code as a cell's text, no raw JSON outside the folded record.
    for row in rows:
        visible = re.sub(r"<details.*?</details>", "", row, flags=re.S)
        assert not re.search(r">\s*[a-z_]+\.[a-z_]+\s*<", visible), row
        assert "{" not in re.sub(r"<[^>]+>", "", visible), row
    # The filter offers the object types by label, and finds a person by display name too.
    assert '<option value="user" >用户</option>' in html or re.search(r'<option value="user"\s*>用户</option>', html)
    by_name = c.get("/admin/audit", query_string={"actor": "审计员"}).get_data(as_text=True)
    assert _rows(by_name) and all("审计员" in r for r in _rows(by_name))


def test_a_failed_sign_in_names_the_account_tried(app, db, sample):
    from app.auth import users

    users.create("qian2", PASSWORD, "viewer")
    db.session.commit()
    sign_in(app.test_client(), "qian2", "wrong-password")
    html = _admin(app, db).get("/admin/audit", query_string={"action": "auth.login_failed"}).get_data(as_text=True)
    row = _rows(html)[0]
    assert "登录失败" in row and "账号 qian2" in row and "访客（未登录）" in row


def test_rows_are_newest_first_by_time_then_id_and_pages_follow_that_order(app, client, db, sample):
    """Entries are stamped with their transaction's start, so ids are not in time order: the log is
    ordered by time, ties by id, and "older entries" continues from the last row in that order."""
    base = dt.datetime(2026, 12, 6, 12, 31, 36, tzinfo=dt.timezone.utc)
    # Inserted out of time order: 36 s, 37 s, 36 s (the QA report's case), then more at 35 s.
    for second in (36, 37, 36, 35, 35):
        db.session.execute(text("INSERT INTO audit_entry (at, actor, via, action, entity_type, entity_id, "
                                "district_code) "
                                "VALUES (:at, 'probe', 'cli', 'user.update', 'user', '0', '410102')"),
                           {"at": base.replace(second=second)})
    db.session.flush()
    from app.admin import audit_log

    rows = audit_log.entries(actor="probe")
    stamps = [(r.at, r.id) for r in rows]
    assert stamps == sorted(stamps, reverse=True) and [r.at.second for r in rows] == [37, 36, 36, 35, 35]
    first, rest = audit_log.entries(actor="probe", limit=2), None
    rest = audit_log.entries(actor="probe", before_id=first[-1].id)
    assert [r.id for r in first + rest] == [r.id for r in rows]
    # The page in that order; the API too.
    html = _admin(app, db).get("/admin/audit", query_string={"actor": "probe"}).get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<tr data-id="(\d+)"', html)] == [r.id for r in rows]
    api = client.get("/api/v1/audit", query_string={"actor": "probe"}).get_json()["entries"]
    assert [e["id"] for e in api] == [r.id for r in rows]
    assert db.session.get(AuditEntry, rows[0].id).action == "user.update"
