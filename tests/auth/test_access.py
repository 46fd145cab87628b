"""Every role against every kind of endpoint: allowed, refused, and never unmarked.

The matrix is built from the URL map and the permission table, so endpoints
added later are covered without editing this file.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.auth.guard import access_of
from app.auth.roles import PERMISSIONS, allows
from app.role_names import ROLES

ROOT = Path(__file__).resolve().parents[2]
PAGES_FOR_EVERY_ROLE = ["/", "/maps/coverage", "/maps/issues"]


def _endpoints(app):
    """(rule, method, access) for every routed endpoint except static files."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = access_of(app.view_functions[rule.endpoint])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method, access))
    return out


def _url(rule) -> str:
    # Fill path variables with values that exist nowhere: the guard answers before any lookup.
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "999999" if m.group(1) == "int" else "nothing-here", rule.rule)


def test_every_endpoint_declares_its_access(app):
    unmarked = sorted(rule.rule for rule, _, access in _endpoints(app) if access is None)
    assert unmarked == [], f"endpoints without @public/@require/@signed_in: {unmarked}"


def test_the_api_document_states_the_same_access(app):
    spec = json.loads((ROOT / "app/api/openapi.json").read_text(encoding="utf-8"))
    for rule, method, (kind, permission) in _endpoints(app):
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        op = spec["paths"].get(path, {}).get(method.lower())
        if op is None:
            continue  # not an /api/ route (pages); tests/api checks every /api/ route is documented
        if kind == "public":
            assert op.get("security") == [], f"{method} {path} is public but the document asks for auth"
        else:
            assert op.get("security"), f"{method} {path} needs auth but the document says public"
            if kind == "permission":
                assert op.get("x-permission") == permission, f"{method} {path}: x-permission"


def _call(c, method, url):
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return c.open(url, method=method, headers={"Accept": "application/json"}, **kwargs)


def test_anonymous_callers_reach_only_public_endpoints(app, anon):
    for rule, method, (kind, _) in _endpoints(app):
        if rule.rule.startswith("/logout"):
            continue
        res = _call(anon, method, _url(rule))
        if kind == "public":
            assert res.status_code not in (401, 403), f"{method} {rule.rule} refused a public call"
        elif rule.rule.startswith("/api/"):
            assert res.status_code == 401, f"{method} {rule.rule} answered {res.status_code} to anonymous"
            assert res.get_json()["error"]["code"] == "unauthorized"
        else:
            # Pages send a browser to the sign-in form and back.
            res = anon.open(_url(rule), method=method, headers={"Accept": "text/html"})
            assert res.status_code in (302, 400, 401), f"{method} {rule.rule}: {res.status_code}"
            if method == "GET":
                assert res.status_code == 302 and "/login?next=" in res.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_exactly_its_permissions(app, client_as, sample, role):
    c = client_as(role, areas=["410102001"] if role == "worker" else ())
    checked = 0
    for rule, method, (kind, permission) in _endpoints(app):
        if kind != "permission":
            continue
        res = _call(c, method, _url(rule))
        if allows(role, permission):
            assert res.status_code not in (401, 403), \
                f"{role} refused {method} {rule.rule} ({permission}): {res.get_json()}"
        else:
            assert res.status_code == 403, f"{role} got {res.status_code} from {method} {rule.rule} ({permission})"
            body = res.get_json()["error"]
            assert body["code"] == "forbidden" and body["details"]["permission"] == permission
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client_as, sample, role):
    c = client_as(role, areas=["410102001"] if role == "worker" else ())
    for url in PAGES_FOR_EVERY_ROLE:
        assert c.get(url).status_code == 200, (role, url)
    admin_pages = c.get("/admin/users").status_code, c.get("/admin/audit").status_code
    assert admin_pages == ((200, 200) if role == "admin" else (403, 403))


def test_permission_table_is_coherent():
    assert set(PERMISSIONS) == set(ROLES)
    # Everyone signed in can read maps; only administrators manage users and read the audit log.
    assert all(allows(r, "grids:read") for r in ROLES)
    assert [r for r in ROLES if allows(r, "users:manage")] == ["admin"]
    assert [r for r in ROLES if allows(r, "audit:read")] == ["admin"]
    # Reporters' contact details only for the roles that call back.
    assert {r for r in ROLES if allows(r, "reports:personal")} == {"admin", "dispatcher", "worker"}
    assert {r for r in ROLES if allows(r, "grids:edit")} == {"admin", "planner"}


def test_an_unmarked_endpoint_is_refused(app):
    from app import create_app

    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "probe"})

    @probe.get("/api/v1/forgotten")
    def forgotten():
        return {"secret": True}

    res = probe.test_client().get("/api/v1/forgotten")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
