"""Shared sample geometries and GeoJSON builders for the geo tests.

Coordinates sit in Zhongyuan district, Zhengzhou (around 113.6E 34.75N), so
areas and GCJ-02 offsets are realistic.
"""
from __future__ import annotations

import copy

X0, Y0 = 113.60, 34.70          # south-west corner of the sample district
DISTRICT = "410102"
SUBDISTRICT = "410102001"
COMMUNITY = "410102001001"
GRID = "410102001001001"
MICRO = "41010200100100101"


def ring(x0, y0, dx, dy=None):
    """Counter-clockwise closed square/rectangle ring as lists (GeoJSON order)."""
    dy = dx if dy is None else dy
    return [[x0, y0], [x0 + dx, y0], [x0 + dx, y0 + dy], [x0, y0 + dy], [x0, y0]]


def polygon(x0, y0, dx, dy=None):
    return {"type": "Polygon", "coordinates": [ring(x0, y0, dx, dy)]}


def feature(code, level, geometry, parent_code=None, **props):
    properties = {"code": code, "name": f"网格{code}", "level": level, **props}
    if parent_code is not None:
        properties["parent_code"] = parent_code
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features, **extra):
    return {"type": "FeatureCollection", "features": list(features), **extra}


def hierarchy_features():
    """One valid nested chain district > subdistrict > community > grid > micro (+ a dedicated grid)."""
    return [
        feature(DISTRICT, "district", polygon(X0, Y0, 0.1)),
        feature(SUBDISTRICT, "subdistrict", polygon(X0, Y0, 0.05), DISTRICT),
        feature(COMMUNITY, "community", polygon(X0, Y0, 0.02), SUBDISTRICT),
        feature(GRID, "grid", polygon(X0, Y0, 0.01), COMMUNITY, households=200, population=480),
        feature(MICRO, "micro", polygon(X0, Y0, 0.002), GRID),
        feature("410102001001501", "grid", polygon(X0 + 0.012, Y0 + 0.012, 0.003), COMMUNITY,
                kind="dedicated"),
    ]


def valid_collection():
    return collection(*copy.deepcopy(hierarchy_features()))
