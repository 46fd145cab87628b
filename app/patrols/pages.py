"""Patrol pages: the patrol map (/maps/patrols), the KPI page (/patrols/kpi) and its CSV export.

Thin: parse the filters, call figures/builders, render. Which workers and
grids appear is decided by ``figures.visible_workers()`` and the caller's
area, in the SQL. The figures are the daily roll-ups as ``freshness.ensure``
leaves them: the page says as of when, and follows the job computing the
days still stale; while days of the period have no roll-up at all it shows
that status instead of partial sums, and the CSVs answer 503 (Retry-After).
"""
from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import csvcells
from app.api import params
from app.auth.guard import require
from app.auth.roles import PATROLS_READ
from app.auth.scope import district_choices, event_area
from app.extensions import db
from app.maps.builders import page_parts
from app.maps.settings import api_url as _api, map_settings as _map_settings
from app.maps.texts import js_texts
from app.models import LEVELS, User
from app.patrols import figures, freshness, rollup, visits
from app.patrols.layers import SHAPES, first_walker
from app.patrols.map import patrol_map
from app.patrols.partitions import latest_day, opening_day
from app.patrols.period import Period, parse_day, parse_period, today

bp = Blueprint("patrols", __name__)

MAP_LEVELS = ("community", "grid", "micro")


def patrol_texts() -> dict[str, str]:
    """Strings for static/js/gridmap-patrols.js."""
    return {
        **js_texts(),
        "density_tip": _("%(n)s fixes in this cell"),
        "patrol_hours": _("Patrol hours / target"),
        "visited_share": _("Cells visited"),
        "distance": _("Distance"),
        "workers": _("Workers"),
        "places": _("Key places visited"),
        "under": _("Under-patrolled"),
        "under_time": _("too little patrol time"),
        "under_coverage": _("too few cells visited"),
        "session": _("Session"),
        "from": _("From"),
        "to": _("To"),
        "fixes": _("Fixes"),
        "play": _("Play"),
        "pause": _("Pause"),
        "no_track": _("No track for this worker and day."),
    }


def _visible_worker_choices() -> list[dict]:
    ids = figures.visible_workers()
    stmt = select(User.id, User.username, User.display_name).where(User.role == "worker", User.active)
    if ids is not None:
        stmt = stmt.where(User.id.in_(ids))
    return [{"id": i, "label": f"{d or u} ({u})"} for i, u, d in db.session.execute(stmt.order_by(User.username))]


def _default_period() -> Period:
    """The request's period, else the map's opening day (``partitions.opening_day``)."""
    if request.args.get("from") or request.args.get("to"):
        return parse_period(request.args)
    day = opening_day()
    return Period(day, day)


@bp.get("/maps/patrols")
@require(PATROLS_READ)
def patrol_map_page():
    period = _default_period()
    level = params.choice(request.args, "level", MAP_LEVELS, default="grid")
    workers = _visible_worker_choices()
    worker = params.integer(request.args, "worker", lo=1)
    if worker is None and current_user.role == "worker":
        worker = current_user.id
    day = parse_day(request.args.get("date"), "date") or period.last
    if worker is None and workers:
        worker = first_walker([w["id"] for w in workers], day) or workers[0]["id"]
    shape = params.choice(request.args, "shape", SHAPES, default="hex")
    query = {"from": period.first.isoformat(), "to": period.last.isoformat(), "level": level,
             "worker": worker, "date": day.isoformat(), "shape": shape}
    s = _map_settings()
    labels = {"density": _("Patrol density"), "grids": _("Grids and patrol figures"), "track": _("Track"),
              "under": _("Under-patrolled grid"), "legend": _("Legend"), "grid": _("Grid")}
    m = patrol_map(s["center"], 13, s["tiles"], {"density": _api("patrols/density"), "grids": _api("patrols/grids"),
                                                  "track": _api("patrols/track")},
                   labels, patrol_texts(), query, tianditu_key=s["tianditu_key"])
    level_labels = {code: label for code, label in _level_labels().items() if code in MAP_LEVELS}
    shapes = {"hex": _("Hexagons"), "square": _("Squares")}
    return render_template("patrols/map.html", query=query, workers=workers, levels=level_labels, shapes=shapes,
                           **page_parts(m))


def _level_labels() -> dict:
    from app.labels import LEVEL_LABELS

    return {code: str(label) for code, label in LEVEL_LABELS.items()}


def _kpi_period() -> Period:
    """The request's period; else this month up to the latest day with fixes (``preset=week``: this
    week). Workers are judged by the month (入户走访 cycles monthly), and one day says little: on a
    weekend it holds no working hour at all, so no online rate either."""
    preset = request.args.get("preset") or "month"
    if preset in ("week", "month") and not (request.args.get("from") or request.args.get("to")):
        last = latest_day() or today()
        first = last - timedelta(days=last.weekday()) if preset == "week" else last.replace(day=1)
        return Period(first, last)
    return _default_period()


@bp.get("/patrols/kpi")
@require(PATROLS_READ)
def kpi():
    period = _kpi_period()
    level = params.choice(request.args, "level", LEVELS, default="grid")
    districts = district_choices()
    district = _district_arg(districts)
    # One job for everything the page reads (the figures below join it).
    fresh = freshness.ensure(period, (rollup.WORKER, rollup.PLACES, level))
    workers, grids = [], []
    if fresh.complete:   # else the page shows the status only: partial sums would rank and judge wrongly
        workers = figures.worker_figures(period, workers=figures.visible_workers(district))
        grids = figures.grid_figures(period, level=level, area=event_area(), district=district)
    under = [g for g in grids if g["under_patrolled"]]
    goal = figures.targets(period)
    honoured = max(3, len(workers) // 10)  # the top tenth (at least three) are commended
    return render_template("patrols/kpi.html", period=period, workers=workers, under=under, grids=grids,
                           cycle=visits.cycle_dict(period), fresh=fresh, job_texts=freshness.job_texts(),
                           lag_minutes=freshness.lag_minutes(),
                           level=level, levels=_level_labels(), goal=goal, honoured=honoured,
                           districts=districts, district=district,
                           slot_minutes=current_app.config["PATROL_ONLINE_SLOT_MIN"])


@bp.get("/patrols/kpi.csv")
@require(PATROLS_READ)
def kpi_csv():
    period = _kpi_period()
    table = params.choice(request.args, "table", ("workers", "grids"), default="workers")
    level = params.choice(request.args, "level", LEVELS, default="grid")
    fresh = freshness.ensure(period, (rollup.WORKER, rollup.PLACES) if table == "workers" else (level, rollup.PLACES))
    # A file is taken as the period's figures: none rather than one missing days (503, Retry-After).
    freshness.require_complete(fresh)
    out = io.StringIO()
    writer = csvcells.writer(out)
    if table == "workers":
        writer.writerow([_("Rank"), _("Username"), _("Name"), _("Patrol hours"), _("Patrol hours in own grids"),
                         _("Distance (km)"), _("Online rate"), _("Cells visited in own grids"), _("Events reported"),
                         _("Key places visited"), _("Key place visits"), _("Fixes"), _("Rejected fixes"),
                         _("Households visited this cycle"), _("Household-level addresses"),
                         _("Households visited (share)")])
        district = _district_arg(district_choices())
        for w in figures.worker_figures(period, workers=figures.visible_workers(district)):
            writer.writerow([w["rank"], w["username"], w["display_name"], w["hours"], w["area_hours"],
                             round(w["distance_m"] / 1000, 2), _share(w["online_rate"]), _share(w["visited_share"]),
                             w["events"], w["places"], w["place_visits"], w["fixes"], w["rejected_fixes"],
                             w["households_visited"], w["household_addresses"],
                             _share(w["households_visited_share"])])
    else:
        writer.writerow([_("Code"), _("Grid"), _("Patrol hours"), _("Target hours"), _("Distance (km)"),
                         _("Cells visited"), _("Workers"), _("Key places visited"), _("Under-patrolled"),
                         _("Households visited this cycle"), _("Household-level addresses"),
                         _("Households visited (share)")])
        district = _district_arg(district_choices())
        for g in figures.grid_figures(period, level=level, area=event_area(), district=district):
            writer.writerow([g["code"], g["name"], g["hours"], round(g["target_seconds"] / 3600, 2),
                             round(g["distance_m"] / 1000, 2), _share(g["visited_share"]), g["workers"],
                             f"{g['places_visited']}/{g['places']}", _("yes") if g["under_patrolled"] else _("no"),
                             g["households_visited"], g["household_addresses"],
                             _share(g["households_visited_share"])])
    name = f"patrol-{table}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    # A BOM so spreadsheet programs read the Chinese text as UTF-8.
    # As of when (Beijing time): rows computed before fixes or grids changed are served as they are.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}",
                             "X-Figures-As-Of": fresh.to_dict()["as_of"]})


def _district_arg(choices: list[dict]) -> str | None:
    """``district=``: a city user's choice among ``choices``; anything else is every district."""
    wanted = request.args.get("district") or ""
    return wanted if any(d["code"] == wanted for d in choices) else None


def _share(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"
