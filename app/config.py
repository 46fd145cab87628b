"""Configuration from the environment (``GRIDMAP_`` prefix, plus ``DATABASE_URL``)."""
from __future__ import annotations

import os

from app import tiles as own_tiles
from app.beijing import BEIJING

#: Base map choices for every folium page. "none" works on an intranet with no internet; "xyz" and
#: "wmts" take the district's own tile server (app.tiles).
TILE_CHOICES = ("none", "osm", "tianditu", "amap", "xyz", "wmts")


class Config:
    # Signs session and remember-me cookies. Unset: a random key generated into
    # instance/secret_key on first start; a known or short one stops start-up (app.secret_key).
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # pre_ping swaps out connections the server dropped (a restart heals by
    # itself); connect_timeout bounds how long a request waits for a server
    # that is gone before it gets a 503.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = BEIJING.key
    LANGUAGES = ("zh", "en")
    # The district this instance serves (GB/T 2260 code); every large table carries it.
    DISTRICT_CODE = "410102"
    TILES = "none"
    TIANDITU_KEY = ""
    # The district's own tiles (TILES=xyz or wmts; app.tiles says what each one means).
    TILES_URL = ""            # xyz: a template with {z} {x} {y}; wmts: the service's KVP URL
    TILES_CRS = "wgs84"       # wgs84 (WGS-84 or CGCS2000) or gcj02 (moved as AMap's tiles are)
    TILES_LAYER = ""          # wmts: the layer identifier
    TILES_MATRIX_SET = ""     # wmts: a Web Mercator TileMatrixSet (GoogleMapsCompatible, EPSG:900913, w)
    TILES_MATRIX = "{z}"      # wmts: the tile matrix identifiers, e.g. EPSG:900913:{z}
    TILES_STYLE = "default"   # wmts
    TILES_FORMAT = "image/png"  # wmts
    TILES_SUBDOMAINS = "abc"  # xyz: what {s} stands for
    TILES_ATTRIBUTION = ""    # shown in the map's corner
    TILES_NAME = ""
    # Request limits; hostile-input hardening builds on these.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    MAX_IMPORT_FEATURES = 50_000
    MAX_GRID_VERTICES = 20_000
    MAX_IMPORT_ROWS = 200_000
    # One photo from a phone or the residents' page (app.reports.photos); the browser scales it down first.
    PHOTO_MAX_BYTES = 8 * 1024 * 1024
    # Uploads (app.uploads): a zipped Shapefile unpacks to at most this, and no member of it may be
    # compressed more than this many times (zip bombs inflate a thousandfold).
    MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
    MAX_ZIP_RATIO = 200
    # Jobs (app.jobs): report and address files larger than this are imported as a background job
    # (202 + GET /api/v1/jobs/<id>); smaller ones are answered in the request. Level imports always are jobs.
    IMPORT_JOB_BYTES = 1024 * 1024
    # Jobs at once in one server process; more wait their turn. Inline: run in the request (tests).
    JOBS_PER_PROCESS = 1
    JOBS_INLINE = False
    # Patrols (app.patrols; definitions in geo/patrol/ and docs/patrols.md).
    PATROL_MAX_BATCH = 5_000            # fixes per POST /api/v1/patrols/fixes
    PATROL_MAX_AGE_DAYS = 31            # older fixes are rejected (too_old)
    PATROL_MAX_ACCURACY_M = 50.0
    PATROL_MAX_SPEED_MPS = 40.0
    PATROL_ONLINE_SLOT_MIN = 30         # online rate: share of scheduled half-hours with a fix
    # Patrol figures of a day computed less than this long ago are served as they are, although fixes
    # arrived since (the page says as of when): with fixes every 30 s, recomputing today on every read
    # would cost each reader seconds. 0: every read is current.
    PATROL_FIGURES_MAX_LAG_S = 120
    # Who computes the stale days of the figures' daily roll-ups (app.patrols.freshness): "background"
    # (a job started by the first reader; readers get what the tables hold and are told as of when) or
    # "inline" (the reader, before it reads: a month of a district is half a minute in the request).
    PATROL_FIGURES_REFRESH = "background"
    PATROL_TARGET_HOURS_PER_WORKDAY = 2.0   # per grid: under-patrolled below this
    PATROL_TARGET_VISITED_SHARE = 0.3       # per grid: share of its 50 m cells a track came through
    # Sessions and security headers (app.security). Behind HTTPS set
    # GRIDMAP_SESSION_COOKIE_SECURE=true; `make run` serves plain HTTP on loopback.
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # "Keep me signed in" lasts this many seconds from the sign-in, checked on the
    # server too (app.auth.sessions); signing out or a new password ends it sooner.
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    # Sign-in lockout per user name (app.auth.lockout): after LOGIN_LOCKOUT_AFTER failures
    # in a row the name is locked for LOGIN_LOCKOUT_SECONDS, doubling with every further
    # failure up to LOGIN_LOCKOUT_MAX_SECONDS; failures older than LOGIN_LOCKOUT_FORGET_SECONDS
    # are forgotten.
    LOGIN_LOCKOUT_AFTER = 5
    LOGIN_LOCKOUT_SECONDS = 60
    LOGIN_LOCKOUT_MAX_SECONDS = 3600
    LOGIN_LOCKOUT_FORGET_SECONDS = 24 * 3600
    # CSRF is checked explicitly for cookie-authenticated writes (app.auth), not on every POST.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    # Origins whose web pages may read /ogc across origins (CORS): "" (off), "*" or a
    # comma-separated list such as "https://gis.example.gov.cn" (app.ogc.cors).
    OGC_CORS_ORIGINS = ""
    # How many reverse proxies put their X-Forwarded-For in front of the app (0: none).
    PROXY_HOPS = 0
    # Rate limits (Flask-Limiter syntax) for anonymous callers of the public
    # endpoints, per client address. Signed-in users and API tokens are not limited.
    RATELIMIT_PUBLIC = "120 per minute"
    RATELIMIT_LOGIN = "10 per minute"
    # database:// counts in GridMap's own PostgreSQL (app.rate_limits), shared by every
    # gunicorn worker and machine, so the advertised limit is the one that holds;
    # redis://host:6379 works too. (memory:// would count per worker process.)
    RATELIMIT_STORAGE_URI = "database://"
    # Fixed windows starting at a caller's first request (the one strategy the
    # database storage implements; app.rate_limits says why).
    RATELIMIT_STRATEGY = "fixed-window"
    # Reports sent from the residents' page (/report), per address, on top of the public limit.
    RATELIMIT_RESIDENT_REPORT = "20 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    # Open311 (docs/open311.md): reading requests is open to anyone only when the district
    # publishes its events; otherwise it needs a signed-in user who may read events.
    OPEN311_PUBLIC_READ = False
    # Geocoding (app.addresses): the standard address library first; below the
    # threshold a report waits for a person to place it (needs_placement).
    GEOCODE_THRESHOLD = 0.75
    # Administrative prefixes the address normaliser strips from the front of a text (province, city,
    # district and their short forms), comma-separated; another district sets its own.
    ADDRESS_PREFIXES = "中国,河南省,河南,郑州市,郑州,中原区"
    # External geocoder (geopy) asked when the library is not confident: off | baidu | nominatim.
    # Off by default: everything works offline.
    GEOCODER = "off"
    GEOCODER_KEY = ""                 # Baidu AK
    GEOCODER_DOMAIN = ""              # Nominatim server (default: the public one)
    GEOCODER_CRS = ""                 # what the geocoder answers in; default bd09 (baidu), 4326 (nominatim)
    GEOCODER_TIMEOUT = 3.0
    GEOCODER_USER_AGENT = "gridmap"
    GEOCODER_QUERY_PREFIX = "河南省郑州市中原区"
    # Working calendar for deadlines (app.events.holidays): a JSON file adding years of holidays and
    # adjusted working days to the built-in ones, e.g. next year's State Council arrangement.
    HOLIDAYS_FILE = ""
    # Lookups list the neighbouring grids when the point is this close to a boundary (metres).
    LOOKUP_NEIGHBOUR_M = 15.0
    # Default map centre (Zhongyuan district, WGS-84) before any grid is loaded.
    MAP_CENTER = (34.748, 113.61)


class ConfigError(ValueError):
    """A setting has a value GridMap cannot use; the message names it and the fix."""


def _typed(name: str, raw: str):
    # Environment values are text; give them the type of the default they replace.
    default = getattr(Config, name, None)
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(float(p) for p in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"GRIDMAP_{name}={raw!r} is not a valid {type(default).__name__}") from exc
    return raw


NOT_APP_SETTINGS = ("GRIDMAP_INSTANCE_DIR", "GRIDMAP_LANG", "GRIDMAP_LOAD_DEMO")


def from_environment() -> dict:
    """Settings read from ``GRIDMAP_*`` variables; ``DATABASE_URL`` picks the database."""
    cfg: dict = {}
    for key, value in os.environ.items():
        # Variables read before the app exists (the cluster, the CLI's language, the image's
        # entrypoint, gunicorn's worker in app/serving.py) are not app settings.
        if key.startswith("GRIDMAP_") and key not in NOT_APP_SETTINGS and not key.startswith("GRIDMAP_SERVE_"):
            name = key.removeprefix("GRIDMAP_")
            cfg[name] = _typed(name, value)
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs say postgres://, SQLAlchemy wants postgresql://
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        cfg["SQLALCHEMY_DATABASE_URI"] = url
    return cfg


def check(config) -> None:
    """Refuse to start with settings that would only fail later, inside a page."""
    tiles = config.get("TILES")
    if tiles not in TILE_CHOICES:
        raise ConfigError(f"GRIDMAP_TILES={tiles!r}: use one of {', '.join(TILE_CHOICES)}")
    geocoder = str(config.get("GEOCODER") or "off").lower()
    if geocoder not in ("off", "baidu", "nominatim"):
        raise ConfigError(f"GRIDMAP_GEOCODER={geocoder!r}: use off, baidu or nominatim")
    if geocoder == "baidu" and not config.get("GEOCODER_KEY"):
        raise ConfigError("GRIDMAP_GEOCODER=baidu needs GRIDMAP_GEOCODER_KEY (a Baidu Maps AK)")
    if tiles == "tianditu" and not config.get("TIANDITU_KEY"):
        raise ConfigError("GRIDMAP_TILES=tianditu needs GRIDMAP_TIANDITU_KEY (a key from the Tianditu console)")
    refresh = config.get("PATROL_FIGURES_REFRESH", "background")  # the default when not set at all
    if refresh not in ("background", "inline"):
        raise ConfigError(f"GRIDMAP_PATROL_FIGURES_REFRESH={refresh!r}: use background or inline")
    try:
        own_tiles.check(config)
    except own_tiles.TileSettingError as exc:
        raise ConfigError(str(exc)) from None
