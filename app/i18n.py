"""Language choice: Simplified Chinese by default, English on request.

``?lang=en`` (or ``zh``) switches and is remembered in a cookie; every page
has a switch that sets it.
"""
from __future__ import annotations

import os

from flask import Flask, current_app, has_request_context, request

COOKIE = "gridmap_lang"


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

    @app.context_processor
    def language_links():
        from flask_babel import get_locale

        def url_with_lang(code: str) -> str:
            args = request.args.to_dict()
            args["lang"] = code
            from urllib.parse import urlencode
            return request.path + "?" + urlencode(args)

        return {"current_locale": str(get_locale()), "url_with_lang": url_with_lang}
