"""GridMap: grid boundaries, report assignment and maps for grid-based community governance."""
from __future__ import annotations

import importlib

from flask import Flask

from app.config import Config, check as check_config, from_environment

#: Every feature's blueprint, as (module, attribute), in the order they are registered.
#: Sign-in (app.auth.views) is registered by app.auth.init_auth with the rest of the access rules.
BLUEPRINTS = (
    ("app.home", "bp"),                  # /: open, overdue and unplaced events; grids and staffing
    ("app.api", "bp"),                   # /api/v1/openapi.json, /healthz
    ("app.grids.api", "api_bp"),         # /api/v1/grids, versions, import and export
    ("app.reports.api", "api_bp"),       # /api/v1/reports: intake, lists, imports, photos, the loop on one report
    ("app.lookup.api", "api_bp"),        # /api/v1/lookup: which grid a point is in, and its worker
    ("app.maps", "bp"),                  # /maps: coverage and open-issues maps
    ("app.admin", "bp"),                 # /admin: users, categories, audit log (pages)
    ("app.admin", "api_bp"),             # /api/v1/users, tokens, audit (JSON)
    ("app.events.api", "api_bp"),        # /api/v1/categories: the category rules
    ("app.ogc.api", "bp"),               # /ogc: OGC API - Features for QGIS and GDAL
    ("app.addresses.api", "api_bp"),     # /api/v1/addresses: standard addresses and geocoding
    ("app.addresses.pages", "bp"),       # /admin/addresses: a district's address library and prefixes
    ("app.lookup.pages", "bp"),          # /lookup: the workers' which-grid page
    ("app.patrols.api", "api_bp"),       # /api/v1/patrols: GPS fixes, sessions, figures
    ("app.patrols.pages", "bp"),         # /maps/patrols, /patrols/kpi: patrol map and KPIs
    ("app.plan.api", "api_bp"),          # /api/v1/drafts...: drafts, edits, validation, impact, publish
    ("app.plan.pages", "bp"),            # /plan: drafts list and the draft editor
    ("app.figures.api", "api_bp"),       # /api/v1/figures: event figures (JSON, CSV)
    ("app.figures.pages", "bp"),         # /figures/events: event figures page
    ("app.open311.api", "bp"),           # /open311/v2: Open311 GeoReport v2
    ("app.dispatch.api", "api_bp"),      # /api/v1/dispatch, /api/v1/reports/changes: desk feed, placement
    ("app.dispatch.pages", "bp"),        # /dispatch: the dispatch desk
    ("app.worker.pages", "bp"),          # /m/: the grid worker's phone app (PWA)
    ("app.resident.pages", "bp"),        # /report: residents report without signing in
    ("app.jobs.api", "api_bp"),          # /api/v1/jobs/<id>: imports that run as jobs
    ("app.districts.api", "api_bp"),     # /api/v1/districts: a district's base map and working calendar
    ("app.districts.pages", "bp"),       # /admin/districts: the districts page
)

#: The ``flask`` command groups, each a unit's own (app.cli holds what they share, so it imports none).
COMMANDS = (
    ("app.grids.cli", "grids_cli"),          # flask grids import|export
    ("app.reports.cli", "reports_cli"),      # flask reports import
    ("app.demo.cli", "demo_cli"),            # flask demo load|accounts|new-passwords
    ("app.backup_cli", "backup_cli"),        # flask backup create|restore
    ("app.auth.cli", "users_cli"),           # flask users create|list|set-password|disable|unlock|token
    ("app.patrols.cli", "patrols_cli"),      # flask patrols import|places|cells|partitions|rollup
    ("app.addresses.cli", "addresses_cli"),  # flask addresses import|export|reassign|alias|aliases|prefixes
    ("app.events.cli", "events_cli"),        # flask events escalate|calendar
    ("app.jobs.cli", "jobs_cli"),            # flask jobs show|reap
    ("app.plan.cli", "plan_cli"),            # flask plan import|publish-due
    ("app.districts.cli", "districts_cli"),  # flask districts list|show|set
)


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Nothing is created at import time.

    ``config`` overrides environment settings (tests pass their own database).
    With no database URL at all, the embedded PostGIS cluster under
    ``instance/`` is started and used.
    """
    app = Flask(__name__, static_folder="../static", static_url_path="/static")
    app.config.from_object(Config)
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    check_config(app.config)
    from app import secret_key
    app.config["SECRET_KEY"] = secret_key.resolve(app.config)  # never a known or short key
    from app.events import categories, holidays
    holidays.init_app(app)   # a bad holidays file stops start-up here, before anything is served
    categories.init_app(app)
    from app.jsontext import JSONProvider
    app.json = JSONProvider(app)  # request bodies within depth and number limits (app.jsontext)
    # Chinese text stays readable in JSON responses.
    app.json.ensure_ascii = False
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        from app import pgcluster

        app.config["SQLALCHEMY_DATABASE_URI"] = pgcluster.start()

    from app.extensions import babel, db, migrate
    from app.i18n import select_locale, install_i18n

    db.init_app(app)
    from app import citus
    citus.init_app(app)  # session settings on a Citus coordinator; nothing on plain PostgreSQL
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    install_i18n(app)

    from app import errors
    errors.register(app)

    from app.auth import init_auth
    from app.security import init_security
    init_security(app)
    init_auth(app)

    for module, attribute in BLUEPRINTS:
        app.register_blueprint(getattr(importlib.import_module(module), attribute))
    from app.plan import schedule  # scheduled boundaries are published on time, even between cron runs
    schedule.init_app(app)

    from app.maps.assets import use_local_assets
    use_local_assets()

    for module, attribute in COMMANDS:
        app.cli.add_command(getattr(importlib.import_module(module), attribute))
    return app
