"""Which boundary version a request is about, and the SQL scope of its grid rows.

Versions are MapIt-style generations (app.models.boundary). A draft shares
the rows of the generation it was opened on until it changes them
(copy-on-write, migration 0008), so its scope is "my own rows, plus the rows
of my base generation I have not ended": the 6-argument
``grid_in_version(draft_id, generation_low, generation_high, ended_in_drafts,
:generation, :draft_id)`` with ``:generation`` = the base generation.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app.actor import current_actor
from app.beijing import BEIJING
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import BoundaryVersion
from app.models.boundary import next_generation, published_version
from app.models.district import default_district_code


#: The advisory lock every change of boundary rows takes first (any constant bigint unique to
#: GridMap; "GRID" in ASCII). Drafts share the published rows (copy-on-write): two drafts editing
#: the same published grid, a publish and a discard each update those shared rows, and without
#: one lock taken in one order two of them could deadlock, the loser getting a 503. Planners'
#: edits are few and short, so serialising them costs nothing a person would notice.
BOUNDARY_LOCK_KEY = 0x47524944


def lock_boundaries() -> None:
    """Wait for, then hold until commit or rollback, the right to change boundary rows."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOUNDARY_LOCK_KEY})


@dataclass(frozen=True)
class Scope:
    """Bound parameters that pick the grid rows of one version.

    ``generation`` None and ``draft_id`` None mean "the current published
    rows", the hot path that the partial GiST indexes cover. For a draft,
    ``generation`` is the generation it was opened on (its shared rows).
    """

    version: BoundaryVersion | None
    generation: int | None = None
    draft_id: int | None = None
    #: The district whose rows a draft or a past generation holds (generations are numbered per
    #: district); None for the current published rows, which are every district's (the city).
    district_code: str | None = None

    @property
    def params(self) -> dict:
        return {"generation": self.generation, "draft_id": self.draft_id, "district_code": self.district_code}

    def grid_filter(self):
        """The same choice as the SQL files make, as a SQLAlchemy expression over ``Grid``."""
        from app.models import Grid

        if self.district_code is not None:
            return (Grid.district_code == self.district_code) & Scope(
                self.version, self.generation, self.draft_id).grid_filter()
        if self.draft_id is not None:
            own = Grid.draft_id == self.draft_id
            if self.generation is None:
                return own
            return own | (Grid.draft_id.is_(None) & (Grid.generation_low <= self.generation)
                          & (Grid.generation_high.is_(None) | (Grid.generation_high >= self.generation))
                          & ~Grid.ended_in_drafts.contains([self.draft_id]))
        if self.generation is None:
            return Grid.generation_high.is_(None) & Grid.draft_id.is_(None)
        return (Grid.draft_id.is_(None) & (Grid.generation_low <= self.generation)
                & (Grid.generation_high.is_(None) | (Grid.generation_high >= self.generation)))


def published_versions(district_code: str | None) -> list[tuple[str, BoundaryVersion]]:
    """(district name, its published version) of one district, or of every district (None), by code."""
    from app.models import District

    query = (select(District.name, BoundaryVersion).join(District, District.code == BoundaryVersion.district_code)
             .where(BoundaryVersion.status == "published").order_by(BoundaryVersion.district_code))
    if district_code is not None:
        query = query.where(BoundaryVersion.district_code == district_code)
    return [(name, version) for name, version in db.session.execute(query).all()]


def all_versions() -> list[BoundaryVersion]:
    """Every version, drafts too, oldest first."""
    return list(db.session.scalars(select(BoundaryVersion).order_by(BoundaryVersion.id)))


def ensure_published_version(name: str | None = None, district_code: str | None = None) -> BoundaryVersion:
    """A district's published version (default: the deployment's district), creating and publishing its
    first one when it has none."""
    district_code = district_code or default_district_code()
    version = published_version(district_code)
    if version is None:
        next_gen = next_generation(district_code)
        # Like every publication, it records who made it and the day it took effect (today, Beijing time).
        actor = current_actor()
        version = BoundaryVersion(name=name or _("Initial boundaries"), status="published", generation=next_gen,
                                  district_code=district_code,
                                  published_at=func.now(), note=_("Created by the first grid import"),
                                  author=actor.name, author_id=actor.id,
                                  effective_date=dt.datetime.now(BEIJING).date())
        db.session.add(version)
        db.session.flush()
    return version


#: The values of ``version=`` that ask for the published version (none given is one of them).
PUBLISHED = (None, "", "published", "current")


def resolve(version_arg: str | int | None, at: str | dt.date | None = None, *, guard: bool = False) -> Scope:
    """Scope for ``version=`` (an id, or empty for the published version) or ``at=`` (a date) from a client.

    ``at`` picks the version in effect on that date: of the versions ever
    published, the latest whose effective date (its publication date when it
    has none) is on or before it; a version scheduled to take effect on or
    before that date (app.plan.publish) answers for it already. ``guard``
    refuses drafts to callers who may not edit grids (:func:`check_draft_access`).
    """
    if guard:
        return check_draft_access(resolve(version_arg, at))
    if at not in (None, ""):
        if version_arg not in (None, ""):
            raise ValidationError(_("Give either version or at, not both."), {"field": "at"})
        return scope_at(at)
    if version_arg in PUBLISHED:
        return Scope(published_version())
    try:
        version_id = int(version_arg)
    except (TypeError, ValueError):
        raise ValidationError(_("version must be a version id (a whole number) or 'published'."),
                              {"field": "version", "value": str(version_arg)[:50]})
    version = db.session.get(BoundaryVersion, version_id)
    if version is None:
        raise NotFound(_("No boundary version %(id)s.", id=version_id), {"field": "version"})
    return scope_of(version)


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError(_("at must be a date such as 2026-07-01."),
                              {"field": "at", "value": str(value)[:40]}) from None


def effective_on():
    """SQL expression: the date a version took effect (its effective date, else its publication day in Beijing)."""
    return func.coalesce(BoundaryVersion.effective_date,
                         func.date(func.timezone(BEIJING.key, BoundaryVersion.published_at)))


def scope_at(at, district_code: str | None = None) -> Scope:
    """The version of a district (default: the deployment's) in effect on date ``at`` (drafts never
    are; a scheduled version is from its date on: it will be the next generation, so it comes before
    every published one). Generations are numbered per district, so one district's versions are compared."""
    day = _parse_date(at)
    version = db.session.scalars(
        select(BoundaryVersion)
        .where(BoundaryVersion.status.in_(("scheduled", "published", "retired")), effective_on() <= day,
               BoundaryVersion.district_code == (district_code or default_district_code()))
        .order_by(BoundaryVersion.generation.desc().nulls_first(), BoundaryVersion.effective_date.desc())
        .limit(1)).first()
    if version is None:
        raise NotFound(_("No boundary version was in effect on %(date)s.", date=day.isoformat()), {"field": "at"})
    return scope_of(version)


def check_draft_access(scope: Scope) -> Scope:
    """Drafts are planners' work in progress: only callers who may edit grids see them. A version
    scheduled for publication is decided: anyone may look at it (``at=`` a date from its day on)."""
    if scope.draft_id is None or not has_request_context() or (
            scope.version is not None and scope.version.status != "draft"):
        return scope
    from flask_login import current_user

    from app.auth.guard import Forbidden, Unauthorized
    from app.auth.roles import GRIDS_EDIT, allows

    if not current_user.is_authenticated:
        raise Unauthorized(_("Drafts are open to planners only: sign in."), {"field": "version"})
    if not allows(current_user.role, GRIDS_EDIT):
        raise Forbidden(_("Drafts are open to planners only."), {"field": "version", "permission": GRIDS_EDIT})
    return scope


def scope_of(version: BoundaryVersion) -> Scope:
    if version.status in ("draft", "scheduled"):  # its rows are still a draft's own rows
        return Scope(version, generation=version.base_generation, draft_id=version.id,
                     district_code=version.district_code)
    if version.status == "published":
        return Scope(version)
    return Scope(version, generation=version.generation, district_code=version.district_code)
