"""The districts one deployment serves (issue 19, migration 0031).

A single-district install has one row, its GRIDMAP_DISTRICT_CODE; a city deployment has one per
district. Every grid, boundary version and large table row carries its district's code; a user carries
the district they belong to, or NULL for the city.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from flask import current_app

from app.extensions import db


def default_district_code() -> str:
    """The deployment's default district (GRIDMAP_DISTRICT_CODE): where a row goes when its writer
    names none, as every row did when one deployment served one district."""
    return current_app.config["DISTRICT_CODE"]


class District(db.Model):
    __tablename__ = "district"

    code = Column(String(6), primary_key=True)      # GB/T 2260, e.g. 410102 中原区
    name = Column(Text, nullable=False)
    city_code = Column(String(6))                   # e.g. 410100 郑州市
    # Address prefixes, base map tiles, working calendar: what differs between districts.
    settings = Column(JSONB, nullable=False, server_default="{}")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "city_code": self.city_code}


def worker_district(user) -> str:
    """The district a person's own rows (patrol fixes, sessions, visits) go to: theirs, or for a city
    user (district_code NULL) the default district."""
    return getattr(user, "district_code", None) or default_district_code()
