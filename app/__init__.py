"""GridMap: grid boundaries, report assignment and maps for grid-based community governance."""
from __future__ import annotations

from flask import Flask

from app.config import Config, check as check_config, from_environment


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
    app.config["SECRET_KEY"] = secret_key.resolve(app.config)  # never a known key (issue 20)
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
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    install_i18n(app)

    from app import errors
    errors.register(app)

    from app.auth import init_auth
    from app.security import init_security
    init_security(app)
    init_auth(app)

    from app.admin import api_bp as admin_api, bp as admin_bp
    from app.api import bp as api_bp
    from app.grids import api_bp as grids_api
    from app.home import bp as home_bp
    from app.lookup import api_bp as lookup_api
    from app.maps import bp as maps_bp
    from app.reports import api_bp as reports_api
    from app.events.api import api_bp as events_api

    for blueprint in (home_bp, api_bp, grids_api, reports_api, lookup_api, maps_bp, admin_bp, admin_api,
                      events_api):
        app.register_blueprint(blueprint)
    from app.ogc import bp as ogc_bp  # OGC API - Features under /ogc (QGIS)
    app.register_blueprint(ogc_bp)

    from app.addresses import api_bp as addresses_api  # standard addresses and geocoding
    from app.lookup.pages import bp as lookup_pages  # /lookup, the workers' page
    app.register_blueprint(addresses_api)
    app.register_blueprint(lookup_pages)

    from app.patrols import api_bp as patrols_api, bp as patrols_pages  # GPS fixes, patrol map, KPIs
    app.register_blueprint(patrols_api)
    app.register_blueprint(patrols_pages)

    from app.plan import api_bp as plan_api  # drafts, edits, validation, impact, publish (issue 4)
    app.register_blueprint(plan_api)
    from app.plan.pages import bp as plan_pages  # /plan: drafts list and the draft editor
    app.register_blueprint(plan_pages)

    from app.figures import api_bp as figures_api, bp as figures_pages  # event figures (issue 5)
    app.register_blueprint(figures_api)
    app.register_blueprint(figures_pages)

    from app.open311 import bp as open311_bp  # Open311 GeoReport v2 under /open311/v2 (issue 5)
    app.register_blueprint(open311_bp)

    from app.dispatch import api_bp as dispatch_api, bp as dispatch_pages  # /dispatch desk, live feed, placement
    app.register_blueprint(dispatch_api)
    app.register_blueprint(dispatch_pages)

    from app.worker import bp as worker_pages  # /m/: the grid worker's phone app (PWA), issue 14
    app.register_blueprint(worker_pages)
    from app.resident import bp as resident_pages  # /report: residents report without signing in, issue 14
    app.register_blueprint(resident_pages)
    from app.jobs import api_bp as jobs_api  # GET /api/v1/jobs/<id>: imports that run as jobs
    app.register_blueprint(jobs_api)

    from app.maps.assets import use_local_assets
    use_local_assets()

    from app.cli import register as register_cli
    register_cli(app)
    return app
