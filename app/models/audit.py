"""The audit log: who changed what, when, with the state before and after.

Entries are written in the same transaction as the change they describe, so
a change that is rolled back leaves no entry and no entry is ever missing
for a change that stands. Rows are only ever inserted.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db
from app.models.district import default_district_code

#: What an entry is about.
ENTITY_TYPES = ("grid", "boundary_version", "draft", "report", "category", "standard_address", "patrol", "user",
                "api_token", "auth", "district")


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id = Column(BigInteger, primary_key=True)
    # The district of the report it is about, else of the person who acted (migration 0032).
    district_code = Column(String(6), nullable=False, default=lambda: default_district_code())
    at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # The user id may outlive the user; the name as it was is kept beside it.
    actor_id = Column(Integer)
    actor = Column(Text, nullable=False)
    # session, token, cli or anonymous
    via = Column(String(16), nullable=False)
    ip = Column(String(64))
    action = Column(String(48), nullable=False)
    entity_type = Column(String(24), nullable=False)
    entity_id = Column(Text)
    before = Column(JSONB)
    after = Column(JSONB)

    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_entity", "entity_type", "entity_id"),
        Index("ix_audit_entry_actor_id", "actor_id"),
    )

    def to_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat() if self.at else None, "actor_id": self.actor_id,
                "actor": self.actor, "via": self.via, "ip": self.ip, "action": self.action,
                "entity_type": self.entity_type, "entity_id": self.entity_id,
                "before": self.before, "after": self.after}
