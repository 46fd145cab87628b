"""Patrol GPS: check incoming fixes, split patrol sessions, measure a grid's patrol.

Grid workers' phones send GPS fixes while they patrol. This package is the
pure reference implementation of what happens to them; the production path
computes the same measures in PostGIS, and tests compare the two, so every
definition below is meant to be reproducible exactly. One module per concern:
:mod:`geo.patrol.fixes` (a fix, and a batch as WGS-84 columns),
:mod:`geo.patrol.checks` (the verdicts), :mod:`geo.patrol.sessions`,
:mod:`geo.patrol.inside` (time inside a polygon) and :mod:`geo.patrol.cells`
(cell coverage); every public name is importable from ``geo.patrol``.

Checking a batch (:func:`check_fixes`)
--------------------------------------
Each fix gets exactly one verdict: accepted, or rejected with the *first*
reason that applies, in this order (reason codes are stable; the app
translates them using ``params``; all params are JSON-ready):

bad_coordinate  params: detail -- one of ``not_a_number`` (lon/lat is not a
                real number), ``not_finite`` (NaN, inf), ``unknown_crs`` (the
                declared system is not one :func:`geo.crs.parse_crs` knows),
                ``out_of_range`` (geographic input beyond +-180 / +-90 degrees),
                ``not_convertible`` (no finite in-range WGS-84 result, or a
                result that does not convert back to the input within 1 cm
                -- 1e-7 degree for geographic systems -- which catches
                projections wrapping absurd eastings/northings).
future_time     params: ahead_s, limit_s -- the fix is more than ``max_future``
                (default 2 min, a phone clock's plausible skew) later than
                ``now``; exactly ``now + max_future`` is accepted.
poor_accuracy   params: accuracy_m, limit_m -- the reported accuracy radius is
                over ``max_accuracy_m`` (default 50 m), or is not a finite
                number >= 0 (then ``accuracy_m`` is None). A missing accuracy
                (None) is accepted: not every source reports one.
duplicate       params: first_index -- an earlier fix of the batch (lower
                index) with the same worker and the same instant (timezones
                normalised, microsecond resolution) survived the three
                checks above; the first such copy is kept.
speed_jump      params: speed_mps, limit_mps, distance_m, interval_s,
                previous_index -- see below.

Speed rule. The fixes of one worker that survived the checks above are put
in time order (duplicates are gone, so there are no ties; a stored
``previous`` fix sorts before a batch fix of the same instant). Each is
compared with the *previous accepted* fix in that order: speed = geodesic
distance (WGS-84 ellipsoid) / max(interval, 1 s); it is a ``speed_jump`` when
the speed is over ``max_speed_mps`` (default 40 m/s = 144 km/h: a car on an
urban expressway, far beyond a walking or e-bike patrol). A rejected fix is
never the reference for the next one, so one outlier does not poison the
fixes after it. The 1 s floor keeps the rule defined for sub-second (and,
against a stored fix, equal) timestamps, where GPS noise would otherwise
read as absurd speeds. The first fix of a worker has nothing to be compared
with unless the caller passes the worker's last stored fix as ``previous``
(then ``previous_index`` is None when the reference is that stored fix). Known
limit of the rule: if that first fix is itself an outlier, the worker's
later fixes in the batch are judged against it.

All coordinates are converted to WGS-84 first (:func:`geo.crs.to_wgs84`,
vectorised per declared system), so a GCJ-02 fix from AMap and a WGS-84 fix
of the same spot -- about 570 m apart as raw numbers in Zhengzhou -- are 0 m
apart here.

Sessions (:func:`split_sessions`)
---------------------------------
A worker's fixes in time order form one session until two consecutive fixes
are more than ``max_gap_s`` apart (default 300 s); that gap starts a new
session. A gap of exactly ``max_gap_s`` does not split.

Time inside a polygon (:func:`time_inside`)
-------------------------------------------
Each segment between two consecutive fixes (time order) contributes its
duration times the fraction of its length inside the polygon (the boundary
counts as inside). Segments longer than ``max_gap_s`` contribute *nothing*:
the same threshold ends a session, so nobody is credited with time they were
not observed (no capped partial credit). Zero-length segments (the worker
standing still) count fully if the point is covered by the polygon.

Cell coverage (:func:`visited_cells`)
-------------------------------------
The polygon is projected to an azimuthal equidistant projection centred on
its (planar lon/lat) centroid and cut by a square grid of ``cell_m`` cells
aligned to that centre (the projection's origin, as PostGIS ``ST_SquareGrid``
aligns cells). A cell belongs to the polygon when at least ``min_part``
(10 %) of its area lies inside; it is visited when the track comes within
``buffer_m`` (5 m) of the cell's inside part (the track buffered by 5 m meets it).

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2024, 5, 6, 8, 0, tzinfo=timezone(timedelta(hours=8)))
>>> fixes = [Fix("w1", t0, 113.62, 34.75, 8.0), Fix("w1", t0 + timedelta(seconds=10), 113.6202, 34.75, 8.0),
...          Fix("w1", t0 + timedelta(seconds=20), 113.65, 34.75, 8.0)]
>>> checked = check_fixes(fixes, now=t0 + timedelta(minutes=1))
>>> [(v.index, v.reason) for v in checked.verdicts]
[(0, None), (1, None), (2, 'speed_jump')]
>>> checked.verdicts[2].params["limit_mps"], checked.verdicts[2].params["previous_index"]
(40.0, 1)
>>> [(s.fix_count, round(s.distance_m, 1)) for s in split_sessions(checked.accepted)]
[(2, 18.3)]
"""
from __future__ import annotations

from geo.patrol.cells import CELL_M, CELL_MIN_PART, TRACK_BUFFER_M, CellCoverage, visited_cells
from geo.patrol.checks import (MAX_ACCURACY_M, MAX_FUTURE, MAX_SPEED_MPS, MIN_INTERVAL_S, REASONS, CheckedFixes,
                               ColumnVerdicts, FixVerdict, check_columns, check_fixes)
from geo.patrol.fixes import Fix
from geo.patrol.inside import time_inside
from geo.patrol.sessions import MAX_GAP_S, PatrolSession, split_sessions

__all__ = [
    "REASONS", "MAX_ACCURACY_M", "MAX_SPEED_MPS", "MAX_FUTURE", "MIN_INTERVAL_S", "MAX_GAP_S",
    "CELL_M", "CELL_MIN_PART", "TRACK_BUFFER_M",
    "Fix", "FixVerdict", "CheckedFixes", "PatrolSession", "CellCoverage",
    "check_fixes", "check_columns", "ColumnVerdicts", "split_sessions", "time_inside", "visited_cells",
]
