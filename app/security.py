"""Security headers (Flask-Talisman), client addresses behind proxies, rate limits.

The Content-Security-Policy allows scripts only from GridMap itself and
inline scripts carrying the per-response nonce (the folium map code), so a
script smuggled into any text field never runs, even if an escape were missed.
Styles may be inline: Leaflet positions every tile and marker with style
attributes.
"""
from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

#: Hosts each base-map choice loads tiles from (GRIDMAP_TILES).
TILE_HOSTS = {
    "none": (),
    "osm": ("https://tile.openstreetmap.org",),
    "tianditu": ("https://*.tianditu.gov.cn",),
    "amap": ("https://*.is.autonavi.com",),
}

_SCRIPT_OPEN = re.compile(r"<script(?=[\s>])")


def csp_for(tiles: str) -> dict:
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *TILE_HOSTS.get(tiles, ())],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }


def init_security(app: Flask) -> None:
    from flask_talisman import Talisman

    from app.extensions import csrf, limiter

    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    Talisman(
        app,
        force_https=False,  # TLS ends at the reverse proxy (docs/deployment.md)
        strict_transport_security=secure,
        session_cookie_secure=secure,
        content_security_policy=csp_for(app.config.get("TILES", "none")),
        content_security_policy_nonce_in=["script-src"],
        frame_options="SAMEORIGIN",
        referrer_policy="strict-origin-when-cross-origin",
    )
    csrf.init_app(app)
    limiter.init_app(app)

    @app.template_filter("with_nonce")
    def with_nonce(html: str) -> Markup:
        """Give the inline <script> tags of trusted, generated HTML (folium's
        header) this response's CSP nonce."""
        from flask import request

        nonce = getattr(request, "csp_nonce", "")
        return Markup(_SCRIPT_OPEN.sub(f'<script nonce="{nonce}"', str(html)))


def _public_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_PUBLIC"]


def _signed_in() -> bool:
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


def rate_limited(view):
    """The per-address limit for anonymous callers of a public endpoint;
    signed-in users and API tokens are accountable and not limited."""
    from app.extensions import limiter

    return limiter.limit(_public_limit, exempt_when=_signed_in)(view)
