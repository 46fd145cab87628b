"""The worker's phone pages (/m/...), the service worker and the web app manifest. Thin: render shells.

The shells carry the signed-in worker, the API URLs and the translated texts
their scripts need (static/js/worker/); everything else comes from the JSON
API, so the service worker can keep a shell and open it with no network.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.auth.guard import public, require, signed_in
from app.auth.roles import PATROLS_WRITE, REPORTS_ACT, allows
from app.events import categories as category_table
from app.worker import shell, texts
from app.worker.maps import pin_map_parts, pin_map_texts

bp = Blueprint("worker", __name__, url_prefix="/m")


def _settings(page: str, extra: dict | None = None) -> dict:
    root = request.script_root
    user = current_user
    return {
        "page": page,
        "user": {"id": user.id, "username": user.username, "name": user.display_name or user.username,
                 "phone": texts.phone_of(user), "areas": user.area_codes,
                 "patrols": allows(user.role, PATROLS_WRITE)},
        "api": {
            "reports": f"{root}/api/v1/reports", "photos": f"{root}/api/v1/photos",
            "fixes": f"{root}/api/v1/patrols/fixes", "sessions": f"{root}/api/v1/patrols/sessions",
            "figures": f"{root}/api/v1/patrols/workers", "suggest": f"{root}/api/v1/addresses/suggest",
            "lookup": f"{root}/api/v1/lookup", "csrf": url_for("worker.fresh_csrf"),
            "outlines": url_for("resident.report_outlines"),
            "sw": url_for("worker.service_worker"), "scope": url_for("worker.tasks_page"),
        },
        **(extra or {}),
    }


def _page(template: str, page: str, extra: dict | None = None, **context):
    page_texts = texts.common() | texts.for_page(page)
    settings = _settings(page, extra) | {"texts": page_texts}
    return render_template(template, settings=settings, page=page, **context)


@bp.get("/")
@require(REPORTS_ACT)
def tasks_page():
    return _page("worker/tasks.html", "tasks")


@bp.get("/report")
@require(REPORTS_ACT)
def report_page():
    categories = [{"code": c.code, "label": category_table.label(c), "group": _(c.big_class_label)}
                  for c in category_table.all_categories() if c.active]
    extra = {"texts_map": pin_map_texts()}
    return _page("worker/report.html", "report", extra, categories=categories, **pin_map_parts("workerPinMap"))


@bp.get("/patrol")
@require(PATROLS_WRITE)
def patrol_page():
    cfg = current_app.config
    return _page("worker/patrol.html", "patrol", {"max_accuracy_m": float(cfg["PATROL_MAX_ACCURACY_M"])})


@bp.get("/csrf")
@signed_in
def fresh_csrf():
    """A CSRF token for this session: a shell opened from the cache may carry an old one."""
    response = {"csrf_token": generate_csrf(), "user_id": current_user.id}
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/sw.js")
@public
def service_worker():
    body = render_template("worker/sw.js", version=shell.version(), precache=shell.precache_urls(),
                           pages=shell.page_urls(), scope=url_for("worker.tasks_page"))
    # Browsers check for a new service worker on every visit; never from a stale cache.
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


@bp.get("/manifest.webmanifest")
@public
def manifest():
    start = url_for("worker.tasks_page")
    icon = lambda size: {"src": url_for("static", filename=f"img/worker-{size}.png"), "sizes": f"{size}x{size}",  # noqa: E731
                         "type": "image/png", "purpose": "any maskable"}
    body = {
        "name": _("GridMap for grid workers"), "short_name": _("GridMap"),
        "description": _("My tasks, reporting events and patrols for grid workers."),
        "lang": "zh-CN" if str(get_locale()) == "zh" else str(get_locale()),
        "id": start, "start_url": start, "scope": start, "display": "standalone", "orientation": "portrait",
        "background_color": "#ffffff", "theme_color": "#1f3a5f",
        "icons": [icon(192), icon(512)],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
