"""The collections GridMap offers: one per grid level of a boundary version.

``grids-micro`` (and ``grids-district`` ... ``grids-dedicated``) always serve
the *published* version, so a QGIS project keeps showing the current
boundaries after every publication. ``grids-micro-v7`` serves version 7
whatever its state (draft, published or retired): that is how a planner
opens a draft or an old version next to the current one. Versioned ids are
listed for every version that is not the published one (drafts only to users
who may edit grids, as in /api/v1/grids); the published version's own
ids work too but are not listed twice.

A city deployment (issue 19) also offers each district's grids: ``grids-grid-410103`` is
district 410103's current grids of level grid (its published version), while ``grids-grid``
spans the city (every district's current rows). A district's user reads their own district
only: the city ids give them their district's grids, another district's ids are a 404.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.roles import GRIDS_EDIT, allows
from app.auth.scope import actor_district, event_district
from app.errors import NotFound
from app.extensions import db
from app.grids.versions import Scope, resolve
from app.labels import LEVEL_LABELS, text as label_text
from app.models import BoundaryVersion, District, LEVELS

#: Collection buckets: the regular levels, then every dedicated grid (专属网格) of any level.
BUCKETS = (*LEVELS, "dedicated")

_ID = re.compile(r"^grids-(%s)(?:-v([1-9][0-9]{0,8})|-([1-9][0-9]{5}))?$" % "|".join(BUCKETS))


@dataclass(frozen=True)
class CollectionRef:
    """One collection: a bucket of grids in one version (None = whatever is published)."""

    bucket: str
    version_id: int | None = None
    #: One district's grids (GB/T 2260 code); None: the whole city (or the version's own district).
    district: str | None = None

    @property
    def id(self) -> str:
        suffix = f"-v{self.version_id}" if self.version_id is not None else ""
        if self.district is not None:
            suffix = f"-{self.district}"
        return f"grids-{self.bucket}{suffix}"

    @property
    def filters(self) -> dict:
        """SQL parameters picking the bucket's rows (level and kind) in the district the caller may read."""
        district = event_district(self.district)
        if self.bucket == "dedicated":
            return {"level": None, "kind": "dedicated", "district": district}
        return {"level": self.bucket, "kind": "regular", "district": district}

    def scope(self) -> Scope:
        # guard: drafts are planners' work in progress (403 for readers who may not edit grids).
        return resolve(self.version_id, guard=True)


def parse(collection_id: str) -> CollectionRef:
    """The collection an id names; unknown ids are a 404 (so are unknown version numbers, later)."""
    match = _ID.match(collection_id or "")
    if match is None:
        raise NotFound(_("No collection %(id)s: see /ogc/collections for the list.", id=collection_id[:60]),
                       {"field": "collectionId"})
    bucket, version, district = match.groups()
    own = actor_district()
    if district is not None and (db.session.get(District, district) is None or own not in (None, district)):
        raise NotFound(_("No collection %(id)s: see /ogc/collections for the list.", id=collection_id[:60]),
                       {"field": "collectionId"})
    return CollectionRef(bucket, int(version) if version else None, district)


def bucket_label(bucket: str) -> str:
    if bucket == "dedicated":
        return _("Dedicated grids")
    return label_text(LEVEL_LABELS, bucket)


def district_label(code: str | None) -> str:
    """A district collection's district by name (empty for the city's collections)."""
    if code is None:
        return ""
    district = db.session.get(District, code)
    return district.name if district is not None else code


def version_label(version: BoundaryVersion | None) -> str:
    if version is None:
        return _("no published version yet")
    status = {"draft": _("draft"), "scheduled": _("scheduled"), "published": _("published"),
              "retired": _("retired")}.get(version.status, version.status)
    return _("version %(id)s \u201c%(name)s\u201d (%(status)s)", id=version.id, name=version.name, status=status)


def listed() -> list[tuple[CollectionRef, BoundaryVersion | None]]:
    """The collections the caller may open, in /collections order: the published aliases, then
    the other versions, newest first (drafts only for those who may edit grids)."""
    versions = db.session.scalars(select(BoundaryVersion).order_by(BoundaryVersion.id.desc())).all()
    published = next((v for v in versions if v.status == "published"), None)
    drafts_too = allows(current_user.role, GRIDS_EDIT) if current_user.is_authenticated else False
    out: list[tuple[CollectionRef, BoundaryVersion | None]] = [(CollectionRef(b), published) for b in BUCKETS]
    # Each district's current grids, when the deployment serves more than one (a district's user: theirs).
    codes = list(db.session.scalars(select(District.code).order_by(District.code)))
    own = actor_district()
    if len(codes) > 1:
        for code in codes:
            if own in (None, code):
                out.extend((CollectionRef(b, None, code), published) for b in BUCKETS)
    for version in versions:
        if version.status == "published" or (version.status == "draft" and not drafts_too):
            continue
        out.extend((CollectionRef(b, version.id), version) for b in BUCKETS)
    return out
