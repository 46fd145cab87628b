"""Users, their areas and API tokens; the audit log.

Revision ID: 0005_auth_audit
Revises: 0004_report_idempotency
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005_auth_audit"
down_revision = "0004_report_idempotency"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("phone", sa.String(32)),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL",
                                                        name="fk_app_user_staff_id_staff")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("row_version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("role IN ('admin', 'planner', 'dispatcher', 'worker', 'viewer')",
                           name="ck_app_user_role"),
    )
    op.execute("CREATE UNIQUE INDEX uq_app_user_username_lower ON app_user (lower(username))")
    op.create_table(
        "user_area",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE",
                                                       name="fk_user_area_user_id_app_user"), nullable=False),
        sa.Column("grid_code", sa.String(17), nullable=False),
        sa.UniqueConstraint("user_id", "grid_code", name="uq_user_area"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE",
                                                       name="fk_api_token_user_id_app_user"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("entity_type", sa.String(24), nullable=False),
        sa.Column("entity_id", sa.Text),
        sa.Column("before", postgresql.JSONB),
        sa.Column("after", postgresql.JSONB),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_entity", "audit_entry", ["entity_type", "entity_id"])
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    # The log is append-only, also for the application's own database role.
    op.execute("""
        CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_entry is append-only';
        END $$""")
    op.execute("CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
               "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")


def downgrade():
    op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION audit_entry_append_only()")
    op.drop_table("audit_entry")
    op.drop_table("api_token")
    op.drop_table("user_area")
    op.drop_table("app_user")

