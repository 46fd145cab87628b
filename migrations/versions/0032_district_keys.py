"""Versions per district, and keys a Citus cluster can distribute by district (issue 19).

1. Boundary versions belong to a district: a generation is unique within its district, and each
   district has at most one published version (lookups and assignment need one answer per district).
2. Every large table (design item 4: reports and their history and photos, patrol fixes, sessions,
   visits and roll-ups, standard addresses, audit entries, jobs) carries district_code NOT NULL and has
   it first in its primary key and in every unique constraint or index; the foreign keys between large
   tables are composite, so that a district's rows and their joins stay on one Citus node. The ORM keeps
   ``id`` as its identity: ids still come from one sequence per table, so they stay unique.
3. gridmap_report_grids (migration 0028) also returns the district of the grid it finds: a report's
   district is its finest grid's (an address's likewise), set by the intake's one INSERT ... SELECT.

Tables without the column get it from their existing rows: an audit entry the district of the report
it is about, else of the person who acted; a patrol roll-up row its grid's or worker's district; the
rest (and city users' rows) the deployment's district (GRIDMAP_DISTRICT_CODE).

The downgrade restores the single-district keys; it fails when two districts have published the same
generation number or hold the same ticket, which a single-district schema cannot represent.

Revision ID: 0032_district_keys
Revises: 0031_districts
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0032_district_keys"
down_revision = "0031_districts"
branch_labels = None
depends_on = None

#: Large tables that gain district_code, and how existing rows are filled (:code = the default district).
NEW_COLUMNS = {
    "audit_entry": """UPDATE audit_entry a SET district_code = coalesce(
                          (SELECT r.district_code FROM report r
                           WHERE a.entity_type = 'report' AND r.ticket = a.entity_id),
                          (SELECT u.district_code FROM app_user u WHERE u.id = a.actor_id), :code)""",
    "patrol_day_grid": """UPDATE patrol_day_grid d SET district_code = coalesce(
                              (SELECT g.district_code FROM grid g WHERE g.id = d.grid_id), :code)""",
    "patrol_day_worker": """UPDATE patrol_day_worker d SET district_code = coalesce(
                                (SELECT u.district_code FROM app_user u WHERE u.id = d.worker_id), :code)""",
    "patrol_day_worker_grid": """UPDATE patrol_day_worker_grid d SET district_code = coalesce(
                                     (SELECT u.district_code FROM app_user u WHERE u.id = d.worker_id), :code)""",
    "patrol_day_place": """UPDATE patrol_day_place d SET district_code = coalesce(
                               (SELECT u.district_code FROM app_user u WHERE u.id = d.worker_id), :code)""",
    "patrol_rollup_state": "UPDATE patrol_rollup_state SET district_code = :code",
    "patrol_day_version": "UPDATE patrol_day_version SET district_code = :code",
}

#: table -> (primary key name, old columns, new columns)
PRIMARY_KEYS = {
    "report": ("pk_report", ["id"]),
    "report_transition": ("pk_report_transition", ["id"]),
    "report_photo": ("pk_report_photo", ["id"]),
    "patrol_fix": ("pk_patrol_fix", ["worker_id", "time"]),
    "patrol_fix_rejected": ("pk_patrol_fix_rejected", ["id"]),
    "patrol_session": ("pk_patrol_session", ["id"]),
    "household_visit": ("pk_household_visit", ["id"]),
    "standard_address": ("pk_standard_address", ["id"]),
    "address_alias": ("pk_address_alias", ["id"]),
    "audit_entry": ("pk_audit_entry", ["id"]),
    "job": ("pk_job", ["id"]),
    "patrol_day_grid": ("pk_patrol_day_grid", ["day", "level", "grid_id", "crossing"]),
    "patrol_day_place": ("pk_patrol_day_place", ["day", "worker_id", "place_id"]),
    "patrol_day_worker": ("pk_patrol_day_worker", ["day", "worker_id", "crossing"]),
    "patrol_day_worker_grid": ("pk_patrol_day_worker_grid", ["day", "worker_id", "grid_id", "crossing"]),
    "patrol_rollup_state": ("pk_patrol_rollup_state", ["day", "scope"]),
    "patrol_day_version": ("patrol_day_version_pkey", ["day"]),
}

#: Unique constraints (same names, so ON CONFLICT ON CONSTRAINT keeps working): table, name, old columns.
UNIQUE_CONSTRAINTS = [
    ("report", "uq_report_ticket", ["ticket"]),
    ("report_photo", "uq_report_photo_token", ["token"]),
    ("patrol_fix_rejected", "uq_patrol_fix_rejected_fingerprint", ["worker_id", "fingerprint"]),
    ("household_visit", "uq_household_visit_day", ["worker_id", "address_id", "day"]),
]
#: Partial unique indexes: table, name, old columns, predicate.
UNIQUE_INDEXES = [
    ("report", "uq_report_status_token_hash", ["status_token_hash"], "status_token_hash IS NOT NULL"),
    ("patrol_session", "uq_patrol_session_open", ["worker_id"], "stopped_at IS NULL"),
]
#: Foreign keys between large tables: table, name, old column, referred table, ondelete, SET NULL column list.
FOREIGN_KEYS = [
    ("report_transition", "fk_report_transition_report_id_report", "report_id", "report", "CASCADE"),
    ("report", "fk_report_duplicate_of_report", "duplicate_of", "report", "SET NULL"),
    ("report", "fk_report_address_id_standard_address", "address_id", "standard_address", "SET NULL"),
    ("household_visit", "fk_household_visit_address_id_standard_address", "address_id", "standard_address",
     "CASCADE"),
]


def _cols(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _foreign_key(table, name, column, referred, ondelete, composite: bool) -> None:
    if composite:
        # PostgreSQL 15: SET NULL of the one column; district_code (in the key) stays.
        action = f"SET NULL ({column})" if ondelete == "SET NULL" else ondelete
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY (district_code, {column}) "
                   f"REFERENCES {referred} (district_code, id) ON DELETE {action}")
    else:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) "
                   f"REFERENCES {referred} (id) ON DELETE {ondelete}")


def _keys(composite: bool) -> None:
    """Drop, then recreate every key of the large tables with (composite) or without district_code."""
    for table, name, *_ in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for table, (name, columns) in PRIMARY_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        cols = ["district_code", *columns] if composite else columns
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({_cols(cols)})")
    for table, name, columns in UNIQUE_CONSTRAINTS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        cols = ["district_code", *columns] if composite else columns
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({_cols(cols)})")
    for table, name, columns, where in UNIQUE_INDEXES:
        op.execute(f"DROP INDEX {name}")
        cols = ["district_code", *columns] if composite else columns
        op.execute(f"CREATE UNIQUE INDEX {name} ON {table} ({_cols(cols)}) WHERE {where}")
    for fk in FOREIGN_KEYS:
        _foreign_key(*fk, composite=composite)


def _report_grids(with_district: bool) -> None:
    """gridmap_report_grids (migration 0028), with (3.) or without the district of the grid found."""
    op.execute("DROP FUNCTION IF EXISTS gridmap_report_grids(geometry)")
    district_out = ", district_code varchar" if with_district else ""
    district_sel = ", coalesce(leaf.district_code, gap.district_code)" if with_district else ""
    gap_cols = "g.id, g.lineage, g.district_code" if with_district else "g.id, g.lineage"
    op.execute(f"""
        CREATE FUNCTION gridmap_report_grids(pt geometry)
        RETURNS TABLE (grid_id integer, lineage integer[], dedicated integer[]{district_out})
        LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
          SELECT coalesce(leaf.id, gap.id), coalesce(leaf.lineage, gap.lineage, '{{}}'), coalesce(ded.ids, '{{}}')
                 {district_sel}
          FROM (SELECT 1) one
          LEFT JOIN LATERAL gridmap_finest_grid(pt, NULL, NULL, leaves_only => true) leaf ON true
          LEFT JOIN LATERAL (
            SELECT {gap_cols} FROM gridmap_finest_grid(pt, NULL, NULL) g
            WHERE leaf.id IS NULL AND pt IS NOT NULL
              AND EXISTS (SELECT 1 FROM grid_current root
                          WHERE root.kind = 'regular' AND root.parent_id IS NULL AND ST_Covers(root.geom, pt))
            OFFSET 0
          ) gap ON true
          LEFT JOIN LATERAL (
            SELECT array_agg(g.id ORDER BY g.code) AS ids FROM grid_current g
            WHERE pt IS NOT NULL AND g.kind = 'dedicated' AND ST_Covers(g.geom, pt)
          ) ded ON true
        $$""")
    op.execute("COMMENT ON FUNCTION gridmap_report_grids(geometry) IS "
               "'The grids a new report at pt is assigned to (app/reports/sql/assign.sql in one row): the finest "
               "current leaf covering it, else inside a district the finest regular grid covering it, else none "
               "(out of coverage); and the current dedicated grids covering it"
               + ("; district_code: the district of the grid found (NULL: none)" if with_district else "")
               + ". Inlined when called in FROM'")


def upgrade():
    code = current_app.config["DISTRICT_CODE"]
    # 1. Versions per district.
    op.drop_constraint("uq_boundary_version_generation", "boundary_version", type_="unique")
    op.create_unique_constraint("uq_boundary_version_generation", "boundary_version",
                                ["district_code", "generation"])
    op.execute("DROP INDEX uq_boundary_version_one_published")
    op.execute("CREATE UNIQUE INDEX uq_boundary_version_one_published ON boundary_version (district_code) "
               "WHERE status = 'published'")
    # 2. district_code in every large table, then in its keys.
    # The audit log is append-only (migration 0005): its trigger is off while the new column is filled.
    op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    for table, fill in NEW_COLUMNS.items():
        op.add_column(table, sa.Column("district_code", sa.String(6)))
        op.execute(sa.text(fill).bindparams(code=code))
        op.alter_column(table, "district_code", nullable=False)
    op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
    _keys(composite=True)
    # 3. A report (an address) takes the district of the grid it falls in (intake, one statement).
    _report_grids(with_district=True)


def downgrade():
    _report_grids(with_district=False)
    _keys(composite=False)
    for table in NEW_COLUMNS:
        op.drop_column(table, "district_code")
    op.execute("DROP INDEX uq_boundary_version_one_published")
    op.execute("CREATE UNIQUE INDEX uq_boundary_version_one_published ON boundary_version ((true)) "
               "WHERE status = 'published'")
    op.drop_constraint("uq_boundary_version_generation", "boundary_version", type_="unique")
    op.create_unique_constraint("uq_boundary_version_generation", "boundary_version", ["generation"])
