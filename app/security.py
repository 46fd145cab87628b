"""Security headers, client addresses behind proxies, rate limits.

The Content-Security-Policy allows scripts only from GridMap itself and
inline scripts carrying the per-response nonce (the folium map code), so a
script smuggled into any text field never runs, even if an escape were missed.
Styles may be inline: Leaflet positions every tile and marker with style
attributes.

The headers are set here directly (they are a handful of fixed strings and one
nonce); flask-talisman, which used to set them, is no longer maintained.
"""
from __future__ import annotations

import re
import secrets

from flask import Flask, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from app import tiles as own_tiles

#: Hosts each base-map choice loads tiles from (GRIDMAP_TILES).
TILE_HOSTS = {
    "none": (),
    "osm": ("https://tile.openstreetmap.org",),
    "tianditu": ("https://*.tianditu.gov.cn",),
    "amap": ("https://*.is.autonavi.com",),
}

_SCRIPT_OPEN = re.compile(r"<script(?=[\s>])")


def tile_hosts(config) -> tuple[str, ...]:
    """Where base-map tiles come from: the preset's hosts, or the district's own server (app.tiles)."""
    own = own_tiles.source(config)
    return own_tiles.csp_hosts(own.url) if own is not None else TILE_HOSTS.get(config.get("TILES", "none"), ())


def csp_for(tiles: str, hosts: tuple[str, ...] | None = None) -> dict:
    """The policy for base map ``tiles`` (a preset), or for tiles from ``hosts`` (tile_hosts)."""
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *(TILE_HOSTS.get(tiles, ()) if hosts is None else hosts)],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }


#: HSTS lifetime (one year), sent only over HTTPS and only when cookies are marked secure.
HSTS = "max-age=31556926; includeSubDomains"


def use_tile_hosts(hosts: tuple[str, ...]) -> None:
    """This response's page draws tiles from ``hosts`` (its district's base map, app.maps.settings):
    its policy allows those instead of the deployment's."""
    request.gridmap_tile_hosts = tuple(getattr(request, "gridmap_tile_hosts", ())) + tuple(hosts)


def csp_nonce() -> str:
    """This response's CSP nonce, made on first use (a template, the header)."""
    nonce = getattr(request, "csp_nonce", None)
    if not nonce:
        nonce = request.csp_nonce = secrets.token_urlsafe(24)
    return nonce


def csp_header(policy: dict) -> str:
    """``policy`` as a header value, with this response's nonce in script-src."""
    parts = []
    for directive, sources in policy.items():
        value = " ".join([sources] if isinstance(sources, str) else sources)
        if directive == "script-src":
            value += f" 'nonce-{csp_nonce()}'"
        parts.append(f"{directive} {value}")
    return "; ".join(parts)


def init_security(app: Flask) -> None:
    from app.extensions import csrf, limiter

    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    # TLS ends at the reverse proxy (docs/deployment.md): the app never redirects to https itself.
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    policy = csp_for(app.config.get("TILES", "none"), tile_hosts(app.config))
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers["Permissions-Policy"] = "browsing-topics=()"
        headers["X-Frame-Options"] = "SAMEORIGIN"
        headers["X-Content-Type-Options"] = "nosniff"
        # A map page allows the tiles it draws (a district's may differ from the deployment's).
        used = getattr(request, "gridmap_tile_hosts", None)
        headers["Content-Security-Policy"] = csp_header(
            policy if used is None else csp_for("none", tuple(dict.fromkeys(used))))
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if secure and (request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"):
            headers["Strict-Transport-Security"] = HSTS
        return response

    csrf.init_app(app)
    limiter.init_app(app)

    @app.template_filter("with_nonce")
    def with_nonce(html: str) -> Markup:
        """Give the inline <script> tags of trusted, generated HTML (folium's
        header) this response's CSP nonce."""
        return Markup(_SCRIPT_OPEN.sub(f'<script nonce="{csp_nonce()}"', str(html)))


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
