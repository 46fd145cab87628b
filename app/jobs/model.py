"""The ``job`` row (migration 0019): what a job is, who asked, how far it got, how it ended."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from app.beijing import BEIJING
from app.extensions import db

STATES = ("queued", "running", "done", "failed")
UNFINISHED = ("queued", "running")


def _beijing(moment):
    return None if moment is None else moment.astimezone(BEIJING).isoformat(timespec="seconds")


class Job(db.Model):
    __tablename__ = "job"

    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)
    state = Column(String(8), nullable=False, server_default="queued")
    params = Column(JSONB, nullable=False, server_default="{}")
    progress_done = Column(Integer, nullable=False, server_default="0")
    progress_total = Column(Integer)
    message = Column(Text)
    result = Column(JSONB)
    error = Column(JSONB)
    locale = Column(String(8))
    created_by = Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"))
    created_by_name = Column(Text, nullable=False)
    district_code = Column(String(6), nullable=False)
    runner = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    started_at = Column(DateTime(timezone=True))
    finished_at = Column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        CheckConstraint("progress_done >= 0", name="progress"),
    )

    def to_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "state": self.state, "params": self.params,
            "progress": {"done": self.progress_done, "total": self.progress_total},
            "message": self.message, "result": self.result, "error": self.error,
            "created_by": self.created_by, "created_by_name": self.created_by_name,
            "created_at": _beijing(self.created_at), "started_at": _beijing(self.started_at),
            "finished_at": _beijing(self.finished_at), "url": f"/api/v1/jobs/{self.id}",
        }
