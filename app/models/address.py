"""The standard address library (标准地址) and estate aliases.

A standard address is one place at road/door, compound, building or unit
precision, with a point and the grid that point falls in. The grid is kept
current by ``app.addresses.service.reassign_addresses()`` whenever
boundaries change; reports geocoded against an address take their point from
it and are then assigned like any other report.
"""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, \
    UniqueConstraint, func

from app.extensions import db

#: The address parts stored in their own columns, coarse to fine.
PARTS = ("district", "subdistrict", "community", "road", "number", "compound", "building", "unit")


class StandardAddress(db.Model):
    __tablename__ = "standard_address"

    id = Column(BigInteger, primary_key=True)
    # Every large table carries the district code (the future Citus distribution column).
    district_code = Column(String(6), nullable=False)
    district = Column(Text)
    subdistrict = Column(Text)
    community = Column(Text)
    road = Column(Text)
    number = Column(Text)        # door number without 号: "32", "32-1"
    compound = Column(Text)      # estate / compound name (小区, 院)
    building = Column(Text)      # without 栋/号楼: "3", "A"
    unit = Column(Text)          # without 单元: "2"
    full_text = Column(Text, nullable=False)
    # geo.address key road|number|compound|building|unit: one row per key and district.
    norm_key = Column(Text, nullable=False)
    location = Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    # The grid the point falls in (assignment rule of geo/assign.py), current boundaries.
    grid_id = Column(Integer, ForeignKey("grid.id", ondelete="SET NULL"))
    grid_code = Column(String(17))
    generation = Column(Integer)
    out_of_coverage = Column(Boolean, nullable=False, server_default="false")
    source = Column(String(32))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("district_code", "norm_key", name="uq_standard_address_key"),
        Index("ix_standard_address_norm_key", "norm_key"),
        Index("ix_standard_address_location", "location", postgresql_using="gist"),
        Index("ix_standard_address_grid_code", "grid_code"),
        Index("ix_standard_address_grid_id", "grid_id"),
    )


class AddressAlias(db.Model):
    """Another name of an estate (绿城百合 → 绿城百合花园), applied when normalising."""

    __tablename__ = "address_alias"

    id = Column(Integer, primary_key=True)
    district_code = Column(String(6), nullable=False)
    alias = Column(Text, nullable=False)
    canonical = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (UniqueConstraint("district_code", "alias", name="uq_address_alias_alias"),)
