"""JSON API for patrols (thin: parse, call the service or query, respond)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _

from app.api import params
from app.actor import current_actor
from app.auth.guard import require
from app.auth.roles import PATROLS_READ, PATROLS_WRITE
from app.auth.scope import event_area
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import LEVELS, User
from app.patrols import figures, freshness, layers, rollup, service, sessions, visits
from app.patrols.period import Period, parse_day, parse_period, scheduled_slots, today, working_days
from geo.crs import to_wgs84

api_bp = Blueprint("patrols_api", __name__, url_prefix="/api/v1")
#: Longest period a session list may cover (sessions are derived from every fix in it).
SESSION_MAX_DAYS = 31


@api_bp.post("/patrols/fixes")
@require(PATROLS_WRITE)
def post_fixes():
    result, worker = service.receive_batch(request.get_json(silent=True))
    return {"worker": {"id": worker.id, "username": worker.username}, **result.summary(),
            "verdicts": [v.to_dict() for v in result.verdicts]}


def _period() -> Period:
    return parse_period(request.args)


def _period_dict(period: Period) -> dict:
    slot_min = float(current_app.config["PATROL_ONLINE_SLOT_MIN"])
    return {**period.to_dict(), "working_days": working_days(period),
            "scheduled_slots": len(scheduled_slots(period, slot_min)), "slot_minutes": slot_min}


@api_bp.get("/patrols/workers")
@require(PATROLS_READ)
def worker_figures():
    period = _period()
    fresh = freshness.ensure(period, (rollup.WORKER, rollup.PLACES))
    rows = figures.worker_figures(period, workers=figures.visible_workers())
    return {"period": _period_dict(period), "cycle": visits.cycle_dict(period), "workers": rows, "count": len(rows),
            **fresh.to_dict()}


@api_bp.get("/patrols/grids")
@require(PATROLS_READ)
def grid_figures():
    args = request.args
    period = _period()
    level = params.choice(args, "level", LEVELS, default="grid")
    fmt = params.choice(args, "format", ("json", "geojson"), default="json")
    fresh = freshness.ensure(period, (level, rollup.PLACES))
    rows = figures.grid_figures(period, level=level, area=event_area())
    goal = figures.targets(period)
    if fmt == "geojson":
        zoom = params.integer(args, "zoom", lo=0, hi=24)
        tolerance = None if zoom is None or zoom >= 16 else 0.00002 * 2 ** (16 - zoom) / 4
        out_crs = params.crs(args) if args.get("crs") else None
        body = layers.shift(layers.grid_collection(rows, tolerance), out_crs)
        body.update(fresh.to_dict())   # foreign members of the FeatureCollection
        return Response(_json(body), mimetype="application/geo+json")
    return {"period": _period_dict(period), "cycle": visits.cycle_dict(period), "level": level,
            "targets": {"seconds": goal.seconds, "visited_share": goal.visited_share,
                        "judged_days": goal.judged_days},
            "grids": rows, "under_patrolled": sum(1 for r in rows if r["under_patrolled"]), **fresh.to_dict()}


@api_bp.get("/patrols/density")
@require(PATROLS_READ)
def density():
    args = request.args
    period = _period()
    zoom = params.integer(args, "zoom", lo=0, hi=24)
    size = params.integer(args, "size", lo=min(layers.CELL_SIZES), hi=max(layers.CELL_SIZES))
    if size is not None and size not in layers.CELL_SIZES:
        raise ValidationError(_("size must be one of: %(allowed)s.", allowed=", ".join(map(str, layers.CELL_SIZES))),
                              {"field": "size", "value": str(size)})
    size = size or layers.size_for_zoom(zoom)
    shape = params.choice(args, "shape", layers.SHAPES, default="hex")
    out_crs = params.crs(args) if args.get("crs") else None
    bbox = params.bbox(args)
    if bbox and out_crs is not None and not out_crs.is_wgs84:
        # A map on AMap tiles asks with its own (GCJ-02) view box.
        xs, ys = to_wgs84([bbox[0], bbox[2]], [bbox[1], bbox[3]], out_crs)
        bbox = (float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]))
    features = layers.density_features(period, size_m=size, bbox=bbox, workers=figures.visible_workers(),
                                       shape=shape)
    if out_crs is not None and not out_crs.is_wgs84:
        body = layers.shift(json.loads(layers.collection(features)), out_crs)
        body["size_m"], body["shape"] = size, shape
        return Response(_json(body), mimetype="application/geo+json")
    text = layers.collection(features)
    return Response(text[:-1] + f',"size_m":{size},"shape":"{shape}"}}', mimetype="application/geo+json")


@api_bp.get("/patrols/track")
@require(PATROLS_READ)
def track():
    args = request.args
    actor = current_actor()
    worker_id = params.integer(args, "worker", lo=1, hi=2**31 - 1) or actor.id
    day = parse_day(args.get("date"), "date") or today()
    visible = figures.visible_workers()
    user = db.session.get(User, worker_id)
    if user is None or (visible is not None and worker_id not in visible):
        raise NotFound(_("No worker %(id)s in your area.", id=worker_id), {"field": "worker"})
    out_crs = params.crs(args) if args.get("crs") else None
    body = layers.shift(layers.track_collection(worker_id, day), out_crs)
    body["worker"] = {"id": user.id, "username": user.username, "display_name": user.display_name}
    body["date"] = day.isoformat()
    return Response(_json(body), mimetype="application/geo+json")


# --------------------------------------------------------------------------- sessions

@api_bp.post("/patrols/sessions")
@require(PATROLS_WRITE)
def start_session():
    # No body: start for oneself. A body that is not JSON is refused (422), not ignored.
    return sessions.start(request.get_json(silent=True) if request.get_data() else {}), 201


@api_bp.post("/patrols/sessions/<int:session_id>/stop")
@require(PATROLS_WRITE)
def stop_session(session_id: int):
    return sessions.stop(session_id)


@api_bp.get("/patrols/sessions")
@require(PATROLS_READ)
def list_sessions():
    args = request.args
    period = parse_period(args, max_days=SESSION_MAX_DAYS)
    limit = params.integer(args, "limit", default=1000, lo=1, hi=5000)
    workers = _readable_workers(params.integer(args, "worker", lo=1, hi=2**31 - 1))
    rows, truncated = sessions.list_sessions(period, workers, limit=limit)
    return {"period": period.to_dict(), "sessions": rows, "count": len(rows), "truncated": truncated}


@api_bp.get("/patrols/sessions/<session_id>/track")
@require(PATROLS_READ)
def session_track(session_id: str):
    out_crs = params.crs(request.args) if request.args.get("crs") else None
    body = layers.shift(sessions.track(session_id, figures.visible_workers()), out_crs)
    return Response(_json(body), mimetype="application/geo+json")


def _readable_workers(worker_id: int | None) -> list[int] | None:
    """Whose sessions: the one asked for (404 outside the caller's view), else all the caller may see."""
    visible = figures.visible_workers()
    if worker_id is None:
        return visible
    if db.session.get(User, worker_id) is None or (visible is not None and worker_id not in visible):
        raise NotFound(_("No worker %(id)s in your area.", id=worker_id), {"field": "worker"})
    return [worker_id]


# --------------------------------------------------------------------------- household visits

@api_bp.post("/patrols/visits")
@require(PATROLS_WRITE)
def post_visit():
    visit, created = visits.record_visit(request.get_json(silent=True))
    return {**visit, "created": created}, 201 if created else 200


def _json(body) -> str:
    return json.dumps(body, ensure_ascii=False, default=str)
