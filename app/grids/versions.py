"""Which boundary version a request is about, and the SQL scope of its grid rows."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import BoundaryVersion


@dataclass(frozen=True)
class Scope:
    """Bound parameters that pick the grid rows of one version.

    ``generation`` None and ``draft_id`` None mean "the current published
    rows", the hot path that the partial GiST indexes cover.
    """

    version: BoundaryVersion | None
    generation: int | None = None
    draft_id: int | None = None

    @property
    def params(self) -> dict:
        return {"generation": self.generation, "draft_id": self.draft_id}

    def grid_filter(self):
        """The same choice as the SQL files make, as a SQLAlchemy expression over ``Grid``."""
        from app.models import Grid

        if self.draft_id is not None:
            return Grid.draft_id == self.draft_id
        if self.generation is None:
            return Grid.generation_high.is_(None) & Grid.draft_id.is_(None)
        return (Grid.draft_id.is_(None) & (Grid.generation_low <= self.generation)
                & (Grid.generation_high.is_(None) | (Grid.generation_high >= self.generation)))


def published_version() -> BoundaryVersion | None:
    return db.session.scalars(select(BoundaryVersion).where(BoundaryVersion.status == "published")).first()


def ensure_published_version(name: str | None = None) -> BoundaryVersion:
    """The published version, creating and publishing the first one on an empty database."""
    version = published_version()
    if version is None:
        next_gen = (db.session.scalar(select(func.max(BoundaryVersion.generation))) or 0) + 1
        version = BoundaryVersion(name=name or _("Initial boundaries"), status="published", generation=next_gen,
                                  published_at=func.now(), note=_("Created by the first grid import"))
        db.session.add(version)
        db.session.flush()
    return version


def resolve(version_arg: str | int | None) -> Scope:
    """Scope for ``version=`` as given by a client: an id, or empty for the published version."""
    if version_arg in (None, "", "published", "current"):
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


def scope_of(version: BoundaryVersion) -> Scope:
    if version.status == "draft":
        return Scope(version, draft_id=version.id)
    if version.status == "published":
        return Scope(version)
    return Scope(version, generation=version.generation)
