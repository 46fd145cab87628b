"""The OGC API - Features documents: landing page, conformance, collections, items.

Each function returns the JSON document as a dict (or, for items, text with
the features spliced in); ``app.ogc.api`` renders it as JSON or as a page.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Mapping

from flask import url_for
from flask_babel import gettext as _

from app.errors import NotFound
from app.models import BoundaryVersion
from app.ogc import catalog, crs as crs_, queries, queryables as queryable_props
from app.ogc.catalog import CollectionRef
from app.ogc.negotiation import GEOJSON, HTML, JSON, JSON_SCHEMA, OPENAPI_JSON

CRS84 = crs_.CRS84_URI
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
#: Relation types of OGC API - Common, given next to the short IANA-style names clients also look for.
REL_CONFORMANCE = "http://www.opengis.net/def/rel/ogc/1.0/conformance"
REL_DATA = "http://www.opengis.net/def/rel/ogc/1.0/data"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _self_links(endpoint: str, fmt: str, json_type: str = JSON, **values) -> list[dict]:
    """``self`` for the representation being sent and ``alternate`` for the other one."""
    as_json = _link(_url(endpoint, **values, f="json"), "self" if fmt == "json" else "alternate", json_type,
                    _("This document as JSON"))
    as_html = _link(_url(endpoint, **values, f="html"), "self" if fmt == "html" else "alternate", HTML,
                    _("This document as HTML"))
    return [as_json, as_html] if fmt == "json" else [as_html, as_json]


def landing(fmt: str) -> dict:
    return {
        "title": _("GridMap grid boundaries"),
        "description": _("Grid boundaries of every level and boundary version, read-only, "
                         "for QGIS and other OGC API - Features clients."),
        "links": [
            *_self_links("ogc.landing", fmt),
            _link(_url("ogc.service_desc", f="json"), "service-desc", OPENAPI_JSON,
                  _("The API definition (OpenAPI 3.0)")),
            _link(_url("ogc.service_desc", f="html"), "service-doc", HTML, _("The API documentation")),
            _link(_url("ogc.conformance", f="json"), "conformance", JSON, _("Conformance classes")),
            _link(_url("ogc.conformance", f="json"), REL_CONFORMANCE, JSON, _("Conformance classes")),
            _link(_url("ogc.collections", f="json"), "data", JSON, _("Collections")),
            _link(_url("ogc.collections", f="json"), REL_DATA, JSON, _("Collections")),
        ],
    }


def conformance(fmt: str) -> dict:
    return {"conformsTo": CONFORMANCE, "links": _self_links("ogc.conformance", fmt)}


def collections(fmt: str) -> dict:
    entries, extents_of = [], {}
    for ref, version in catalog.listed():
        district = ref.filters["district"]
        key = (version.id if version is not None else None, district)
        if key not in extents_of:
            extents_of[key] = queries.extents(ref.scope(), district) if version is not None else {}
        entries.append(_collection_doc(ref, version, extents_of[key].get(ref.bucket), fmt))
    return {"links": _self_links("ogc.collections", fmt), "collections": entries}


def collection(collection_id: str, fmt: str) -> dict:
    ref = catalog.parse(collection_id)
    scope = ref.scope()
    extent = (queries.extents(scope, ref.filters["district"]).get(ref.bucket)
              if scope.version is not None else None)
    return _collection_doc(ref, scope.version, extent, fmt, own_id=collection_id)


def _collection_doc(ref: CollectionRef, version: BoundaryVersion | None, extent, fmt: str,
                    own_id: str | None = None) -> dict:
    cid = own_id or ref.id
    follows = _("always the published version") if ref.version_id is None else catalog.version_label(version)
    where = catalog.district_label(ref.district)
    doc = {
        "id": cid,
        "title": f"{catalog.bucket_label(ref.bucket)} · {where + ' · ' if where else ''}{follows}",
        "description": _("%(what)s of %(version)s. Feature ids are grid codes.",
                         what=catalog.bucket_label(ref.bucket), version=catalog.version_label(version)),
        "links": [
            *_self_links("ogc.collection", fmt, collection_id=cid),
            _link(_url("ogc.items", collection_id=cid, f="json"), "items", GEOJSON, _("The grids as GeoJSON")),
            _link(_url("ogc.items", collection_id=cid, f="html"), "items", HTML, _("The grids as a page")),
            _link(_url("ogc.queryables", collection_id=cid, f="json"), REL_QUERYABLES, JSON_SCHEMA,
                  _("The properties grids can be filtered on")),
        ],
        "itemType": "feature",
        "crs": crs_.uris(),
        "storageCrs": crs_.STORAGE.uri,
    }
    if extent is not None:
        doc["extent"] = {"spatial": {"bbox": [list(extent.bbox)], "crs": CRS84}}
    if version is not None:
        doc["version"] = version.to_dict()
    return doc


def items(collection_id: str, fmt: str, *, area: str | None, limit: int, offset: int,
          properties: dict | None = None, crs: crs_.Crs = crs_.CRS84,
          query: Mapping[str, str] | None = None) -> tuple[str, dict]:
    """The items document as JSON text (features spliced in as PostGIS built them) and its metadata.

    ``query`` is the client's query string (bbox, datetime, limit ...), kept in the paging links.
    """
    query = query or {}
    ref = catalog.parse(collection_id)
    page = queries.items(ref, ref.scope(), area=area, limit=limit, offset=offset, properties=properties, crs=crs)
    links = [
        *_self_links("ogc.items", fmt, GEOJSON, collection_id=collection_id, **_kept_args(query, offset=offset)),
        _link(_url("ogc.collection", collection_id=collection_id, f="json"), "collection", JSON,
              _("The collection")),
    ]
    page_type = GEOJSON if fmt == "json" else HTML
    if offset + page.number_returned < page.number_matched:
        links.append(_link(_url("ogc.items", collection_id=collection_id, **_kept_args(query, offset=offset + limit, f=fmt)),
                           "next", page_type, _("Next page")))
    if offset > 0:
        links.append(_link(_url("ogc.items", collection_id=collection_id,
                                **_kept_args(query, offset=max(offset - limit, 0), f=fmt)),
                           "prev", page_type, _("Previous page")))
    meta = {
        "links": links,
        "timeStamp": _now(),
        "numberMatched": page.number_matched,
        "numberReturned": page.number_returned,
    }
    body = '{"type":"FeatureCollection","features":' + page.features_json + "," \
        + json.dumps(meta, ensure_ascii=False)[1:]
    return body, {**meta, "collection": ref, "offset": offset, "limit": limit, "features_json": page.features_json}


def item(collection_id: str, feature_id: str, fmt: str, crs: crs_.Crs = crs_.CRS84) -> dict:
    ref = catalog.parse(collection_id)
    found = queries.feature(ref, ref.scope(), feature_id, crs)
    if found is None:
        raise NotFound(_("No grid %(code)s in collection %(id)s.", code=feature_id[:20], id=collection_id[:60]),
                       {"field": "featureId"})
    found["links"] = [
        *_self_links("ogc.item", fmt, GEOJSON, collection_id=collection_id, feature_id=feature_id),
        _link(_url("ogc.collection", collection_id=collection_id, f="json"), "collection", JSON,
              _("The collection")),
    ]
    return found


def queryables(collection_id: str) -> dict:
    ref = catalog.parse(collection_id)
    ref.scope()  # an unknown version is a 404 here too, and a draft needs the right to edit grids
    return queryable_props.schema(_url("ogc.queryables", collection_id=collection_id, f="json"),
                             _("Queryables of %(id)s", id=collection_id))


def _kept_args(query: Mapping[str, str], **overrides) -> dict:
    """The client's query (bbox, datetime, limit ...) with ``overrides``: paging keeps the filter."""
    args = {k: v for k, v in query.items() if k != "f"}
    args.update({k: v for k, v in overrides.items() if v is not None})
    return args


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
