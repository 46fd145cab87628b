"""The service description of /ogc (OpenAPI 3.0), built from the same constants the code uses.

QGIS reads it for the page size: the ``limit`` parameter's ``default`` and
``maximum`` on the items path.
"""
from __future__ import annotations

from app.ogc import crs as crs_, queryables
from app.ogc.catalog import BUCKETS
from app.ogc.params import DEFAULT_LIMIT, MAX_LIMIT

_REF = "#/components/"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"{_REF}{kind}/{name}"}


def _get(op_id: str, summary: str, params: list[str], ok: str, *, ok_types=("application/json", "text/html"),
         headers: dict | None = None) -> dict:
    return {"get": {
        "operationId": op_id,
        "summary": summary,
        "tags": ["grids"],
        "parameters": [_ref("parameters", p) for p in params],
        "responses": {
            "200": {"description": ok, "content": {t: {"schema": _schema_for(t, ok)} for t in ok_types},
                    **({"headers": headers} if headers else {})},
            "400": _ref("responses", "InvalidParameter"),
            "401": _ref("responses", "Unauthorized"),
            "404": _ref("responses", "NotFound"),
        },
    }}


def _schema_for(media_type: str, what: str) -> dict:
    if media_type == "text/html":
        return {"type": "string"}
    return _ref("schemas", {"landing page": "landingPage", "conformance classes": "confClasses",
                            "collections": "collections", "collection": "collection",
                            "features": "featureCollectionGeoJSON", "feature": "featureGeoJSON",
                            "queryables": "queryables"}[what])


#: Part 2: every features response names the CRS of its coordinates.
_CONTENT_CRS = {"Content-Crs": {"description": "The CRS of the coordinates, as a URI in angle brackets.",
                                "schema": {"type": "string"}}}


def document(server_url: str) -> dict:
    geo = ("application/geo+json", "text/html")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "GridMap OGC API - Features",
            "version": "1.0.0",
            "description": "Read-only grid boundaries (district, subdistrict, community, grid, micro-grid and "
                           "dedicated grids) of the published boundary version (collections grids-<level>) and "
                           "of any version by id (grids-<level>-v<id>). Feature ids are grid codes. "
                           "Send an API token as 'Authorization: Bearer <token>', or use HTTP Basic with your "
                           "user name and your password or an API token as the password.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}, {"basicAuth": []}],
        "tags": [{"name": "grids", "description": "Grid boundaries"}],
        "paths": {
            "/": _get("getLandingPage", "Landing page", ["f"], "landing page"),
            "/conformance": _get("getConformanceDeclaration", "Conformance classes", ["f"], "conformance classes"),
            "/api": {"get": {
                "operationId": "getAPIDefinition", "summary": "This document", "tags": ["grids"],
                "parameters": [_ref("parameters", "f")],
                "responses": {"200": {"description": "The API definition", "content": {
                    "application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}},
                    "text/html": {"schema": {"type": "string"}}}},
                    "400": _ref("responses", "InvalidParameter"),
                    "401": _ref("responses", "Unauthorized")},
            }},
            "/collections": _get("getCollections", "Collections", ["f"], "collections"),
            "/collections/{collectionId}": _get("describeCollection", "One collection",
                                                ["collectionId", "f"], "collection"),
            "/collections/{collectionId}/queryables": _get(
                "getQueryables", "The properties grids can be filtered on (a JSON Schema)",
                ["collectionId", "f"], "queryables", ok_types=("application/schema+json", "text/html")),
            "/collections/{collectionId}/items": _get(
                "getFeatures", "Grids of a collection, a page at a time",
                ["collectionId", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", *queryables.NAMES, "f"],
                "features", ok_types=geo, headers=_CONTENT_CRS),
            "/collections/{collectionId}/items/{featureId}": _get(
                "getFeature", "One grid by its code", ["collectionId", "featureId", "crs", "f"], "feature",
                ok_types=geo, headers=_CONTENT_CRS),
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A GridMap API token of a user who may read grids."},
                "basicAuth": {"type": "http", "scheme": "basic",
                              "description": "User name and password, or user name and an API token as the "
                                             "password (QGIS: a Basic authentication configuration)."}},
            "parameters": _parameters(),
            "responses": {
                "InvalidParameter": _error_response("A parameter is unknown or its value is invalid."),
                "Unauthorized": _error_response("No valid API token, password or session was sent."),
                "NotFound": _error_response("No such collection, version or grid."),
            },
            "schemas": _schemas(),
        },
    }


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("schemas", "exception")}}}


def _parameters() -> dict:
    ids = [f"grids-{b}" for b in BUCKETS]
    return {
        "f": {"name": "f", "in": "query", "required": False, "style": "form", "explode": False,
              "description": "The representation: json (GeoJSON for features) or html. "
                             "Without it the Accept header decides; JSON when it does not prefer HTML.",
              "schema": {"type": "string", "enum": ["json", "html"]}},
        "collectionId": {"name": "collectionId", "in": "path", "required": True,
                         "description": "grids-<level> (the published version, every district), "
                                        "grids-<level>-<district code> (one district's) or "
                                        "grids-<level>-v<version id>; "
                                        "levels: " + ", ".join(BUCKETS) + ".",
                         "schema": {"type": "string", "pattern": "^grids-[a-z]+(-v[0-9]+|-[0-9]{6})?$"},
                         "example": ids[-2]},
        "featureId": {"name": "featureId", "in": "path", "required": True, "description": "A grid code.",
                      "schema": {"type": "string"}},
        "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                 "description": "Only grids that intersect the box: the lower corner, then the upper corner, in "
                                "bbox-crs and its axis order (CRS84, the default: min_lon,min_lat,max_lon,max_lat). "
                                "Six numbers (with heights) are accepted; the heights are ignored.",
                 "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
        "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False, "style": "form", "explode": False,
                     "description": "The CRS of bbox (OGC API - Features Part 2), one of the collection's crs list.",
                     "schema": {"type": "string", "format": "uri", "enum": crs_.uris(),
                                "default": crs_.CRS84_URI}},
        "crs": {"name": "crs", "in": "query", "required": False, "style": "form", "explode": False,
                "description": "The CRS of the coordinates sent (OGC API - Features Part 2), in that CRS's axis "
                               "order: EPSG:4326 and 4490 latitude first, EPSG:4547 northing first. The answer "
                               "names it in the Content-Crs header.",
                "schema": {"type": "string", "format": "uri", "enum": crs_.uris(), "default": crs_.CRS84_URI}},
        **{name: {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
                  "description": f"Only grids whose {name} equals this value (a queryable).",
                  "schema": {"type": "string"}} for name in queryables.NAMES},
        "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form", "explode": False,
                     "description": "An RFC 3339 date-time or interval (open ends as '..'). Grids have no time "
                                    "of their own, so every grid matches; choose a boundary version by collection.",
                     "schema": {"type": "string"}},
        "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                  "description": f"Grids per page. Minimum 1, maximum {MAX_LIMIT} (a larger value is read as "
                                 f"{MAX_LIMIT}), default {DEFAULT_LIMIT}.",
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        "offset": {"name": "offset", "in": "query", "required": False, "style": "form", "explode": False,
                   "description": "Grids to skip (in code order); the next links carry it.",
                   "schema": {"type": "integer", "minimum": 0, "default": 0}},
    }


def _schemas() -> dict:
    link = {"type": "object", "required": ["href"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}, "hreflang": {"type": "string"}}}
    links = {"type": "array", "items": _ref("schemas", "link")}
    bbox = {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}
    return {
        "link": link,
        "exception": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "description": {"type": "string"}}},
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "links": links}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "links": links, "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}},
            "storageCrs": {"type": "string"},
            "extent": {"type": "object", "properties": {"spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": bbox}, "crs": {"type": "string"}}}}}}},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": links, "collections": {"type": "array", "items": _ref("schemas", "collection")}}},
        "gridProperties": {"type": "object", "properties": {
            "code": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "string", "enum": ["district", "subdistrict", "community", "grid", "micro"]},
            "kind": {"type": "string", "enum": ["regular", "dedicated"]},
            "parent_code": {"type": "string", "nullable": True},
            "households": {"type": "integer", "nullable": True},
            "population": {"type": "integer", "nullable": True},
            "area_m2": {"type": "number"},
            "workers": {"type": "string", "nullable": True, "description": "Names of the grid's staff, joined by 、"},
        }},
        "queryables": {"type": "object", "required": ["type", "properties"], "properties": {
            "$schema": {"type": "string"}, "$id": {"type": "string"}, "type": {"type": "string", "enum": ["object"]},
            "title": {"type": "string"}, "description": {"type": "string"},
            "properties": {"type": "object", "additionalProperties": {"type": "object"}},
            "additionalProperties": {"type": "boolean"}}},
        "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
                "type": {"type": "string", "enum": ["MultiPolygon"]},
                "coordinates": {"type": "array", "items": {"type": "array"}}}},
            "properties": _ref("schemas", "gridProperties"),
            "links": links}},
        "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
            "links": links,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0}}},
    }
