"""Language choice, and how pages show times.

Simplified Chinese by default, English on request: ``?lang=en`` (or ``zh``)
switches and is remembered in a cookie; every page has a switch that sets it.

Every time a page shows is Beijing time, written the same way in both
languages ("2026-05-12 09:30"): :func:`beijing_time`, the Jinja filter
``beijing``. Dates stay dates (``YYYY-MM-DD``): they carry no zone.
"""
from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, current_app, has_request_context, request

COOKIE = "gridmap_lang"
#: Babel patterns: the same figures in Chinese and English, whatever the browser's locale.
TIME_PATTERNS = {"minutes": "yyyy-MM-dd HH:mm", "seconds": "yyyy-MM-dd HH:mm:ss", "clock": "HH:mm"}


def beijing_time(value, precision: str = "minutes") -> str:
    """``value`` (a datetime, or ISO 8601 text as the JSON views write it) in Beijing time.

    The zone is the app's ``BABEL_DEFAULT_TIMEZONE`` (Asia/Shanghai), applied by
    Flask-Babel; a naive datetime is taken as UTC, as the database's timestamps
    are. ``precision``: ``minutes`` (default), ``seconds`` or ``clock`` (HH:mm).
    None and empty text give "".
    """
    from flask_babel import format_datetime

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(value, TIME_PATTERNS[precision])


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():
        # CLI and background work: GRIDMAP_LANG, else the default (Chinese).
        asked = os.environ.get("GRIDMAP_LANG")
        return asked if asked in supported else current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang") or request.cookies.get(COOKIE)
    if asked in supported:
        return asked
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def install_i18n(app: Flask) -> None:
    @app.before_request
    def choose_language_per_request():
        # Flask-Babel caches the locale on ``g``; when one app context serves
        # several requests (tests, CLI-driven clients) each must choose anew.
        from flask_babel import refresh

        refresh()

    @app.after_request
    def remember_language(response):
        asked = request.args.get("lang")
        if asked in app.config["LANGUAGES"]:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    app.add_template_filter(beijing_time, "beijing")

    @app.context_processor
    def language_links():
        from flask_babel import get_locale

        def url_with_lang(code: str) -> str:
            args = request.args.to_dict()
            args["lang"] = code
            from urllib.parse import urlencode
            return request.path + "?" + urlencode(args)

        return {"current_locale": str(get_locale()), "url_with_lang": url_with_lang}
