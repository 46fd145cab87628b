"""Scale-out on Citus (issue 19): the large tables distributed by district and co-located, the small
ones reference tables, when the database runs on Citus; nothing at all on plain PostgreSQL.

The same migrations make both schemas. This one acts when the ``citus`` extension is installed in the
database (``make test-citus`` and ``docs/scale.md`` make it so on the coordinator), or when
``GRIDMAP_CITUS=1`` (then a missing extension is an error, not a silent single-server schema);
``GRIDMAP_CITUS=0`` keeps a Citus database undistributed.

* Large tables (``LARGE``) are distributed by ``district_code``, all co-located with ``report``: the
  rows of one district of every large table live in the same shard group, on one node, so a district's
  joins (a report and its history and photos, a worker's fixes and roll-ups) never leave that node.
  ``patrol_fix`` stays partitioned by day: Citus distributes each partition the same way, and the
  partitions ``gridmap_patrol_partition()`` creates later are distributed as they are attached.
* Small tables (``REFERENCE``) become reference tables: one copy on every node, so every shard can join
  them (grids, users, categories) locally.

Citus refuses, and what the schema does about it (docs/scale.md):

* a PRIMARY KEY or UNIQUE constraint without the distribution column, and a FOREIGN KEY between two
  distributed tables that does not include it: migration 0032 (city data) puts ``district_code`` in
  them. Checked here first, with a clear message naming the constraint.
* FOREIGN KEYs from a reference table to a distributed one: there are none.
* triggers on distributed tables are refused unless ``citus.enable_unsafe_triggers`` is on: the
  ``audit_entry`` append-only trigger only looks at its own row and runs on each shard as it is;
  the address-library version bump (a statement trigger on ``standard_address`` and
  ``address_alias`` that updates the ``address_library_version`` reference row) runs on the shards
  too, where Citus turns its update into a modification of the reference table from the worker.
* ON DELETE SET NULL in a foreign key holding the distribution column (report.duplicate_of,
  report.address_id): those keys become NO ACTION on Citus; GridMap deletes neither reports nor
  standard addresses.
* a trigger on a distributed table's shards that writes another distributed or reference table
  (nested distributed query): the address-library version bump of migration 0011 is dropped here,
  and the app bumps the version after each write to the library instead (app/citus.py).
* a parameterized query calling a LANGUAGE sql function that reads distributed or reference tables:
  the grid-rule functions (``SQL_FUNCTIONS``) become PL/pgSQL with the same body, and the app's views
  and functions are propagated to the workers (queries pushed down to a worker call them there).
* an UPDATE of ``district_code`` (the distribution column) is refused: moving a report to another
  district is an insert of its rows under the new code and a delete of the old ones (design item 4).

Revision ID: 0035_citus
Revises: 0034_id_lookups
Create Date: 2026-12-07
"""
import os
import re

import sqlalchemy as sa
from alembic import op

revision = "0035_citus"
down_revision = "0034_id_lookups"
branch_labels = None
depends_on = None

#: Distributed by district_code, co-located with the first.
LARGE = (
    "report", "report_transition", "report_photo",
    "patrol_fix", "patrol_fix_rejected", "patrol_session", "household_visit",
    "patrol_day_grid", "patrol_day_place", "patrol_day_worker", "patrol_day_worker_grid",
    "patrol_rollup_state", "patrol_day_version",
    "standard_address", "address_alias", "audit_entry", "job",
)
#: One copy on every node.
REFERENCE = (
    "district", "grid", "boundary_version", "draft_operation", "app_user", "user_area", "api_token",
    "staff", "staff_assignment", "category", "patrol_place", "patrol_grid_cell", "patrol_grid_cellset",
    "address_library_version",
)
#: Left as plain tables of the coordinator: written on every rate-limited request or failed sign-in,
#: joined with nothing. As reference tables every such write would be a two-phase commit on every
#: node, and Citus refuses the counter's upsert (a non-immutable expression in its RETURNING).
COORDINATOR_ONLY = ("login_lockout", "rate_limit_counter")
COLUMN = "district_code"
#: SQL-language functions that read the distributed or reference tables: Citus cannot plan a
#: parameterized query that calls one (the app binds parameters); as PL/pgSQL they work.
SQL_FUNCTIONS = ("gridmap_finest_grid", "gridmap_grid_staff", "gridmap_report_grids")


def citus_on(conn) -> bool:
    """Whether this database is to be distributed (see the module's description)."""
    setting = os.environ.get("GRIDMAP_CITUS", "").strip()
    if setting == "0":
        return False
    has = conn.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).first() is not None
    if setting == "1" and not has:
        raise RuntimeError(
            "GRIDMAP_CITUS=1 但数据库中没有 citus 扩展（CREATE EXTENSION citus，并添加工作节点）。\n"
            "GRIDMAP_CITUS=1 but the database has no citus extension: CREATE EXTENSION citus on the "
            "coordinator and add the workers first (docs/scale.md).")
    return has


def _existing(conn, names) -> list[str]:
    found = set(conn.execute(sa.text(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
        "AND c.relkind IN ('r', 'p') AND c.relname = ANY(:n)"), {"n": list(names)}).scalars())
    return [n for n in names if n in found]


def _distributed(conn) -> set[str]:
    return set(conn.execute(sa.text("SELECT logicalrelid::regclass::text FROM pg_dist_partition")).scalars())


def _check_keys(conn, large: list[str]) -> None:
    """Every PK/UNIQUE of a large table, and every FK between two of them, includes district_code."""
    bad = conn.execute(sa.text("""
        SELECT k.conrelid::regclass::text AS tbl, k.conname, pg_get_constraintdef(k.oid) AS def
        FROM pg_constraint k
        WHERE k.conrelid::regclass::text = ANY(:large) AND k.contype IN ('p', 'u', 'x')
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid
                          AND a.attname = :col AND a.attnum = ANY(k.conkey))
        UNION ALL
        SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k
        WHERE k.contype = 'f' AND k.conrelid::regclass::text = ANY(:large)
          AND k.confrelid::regclass::text = ANY(:large)
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid
                          AND a.attname = :col AND a.attnum = ANY(k.conkey))
        UNION ALL
        SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k
        WHERE k.contype = 'f' AND k.conrelid::regclass::text <> ALL(:large)
          AND k.confrelid::regclass::text = ANY(:large)
        ORDER BY 1, 2"""), {"large": large, "col": COLUMN}).all()
    if bad:
        lines = "\n".join(f"  {t}.{n}: {d}" for t, n, d in bad)
        raise RuntimeError(
            "Citus 要求大表的主键、唯一约束以及大表之间的外键都包含 district_code，且小表不能引用大表：\n"
            "Citus needs district_code in every primary key, unique constraint and foreign key between "
            f"large tables, and no foreign key from a small table to a large one:\n{lines}")


def _fk_order(conn, tables: list[str]) -> list[str]:
    """``tables`` with each after the tables (of the list) its foreign keys point to."""
    deps = {t: set() for t in tables}
    for src, dst in conn.execute(sa.text(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid <> confrelid AND conrelid::regclass::text = ANY(:t) "
            "AND confrelid::regclass::text = ANY(:t)"), {"t": tables}):
        deps[src].add(dst)
    out: list[str] = []
    while deps:
        ready = [t for t in tables if t in deps and not deps[t] - set(out)]
        if not ready:  # a cycle: keep the declared order
            ready = [t for t in tables if t in deps]
        for t in ready:
            out.append(t)
            deps.pop(t)
    return out


def _plpgsql_functions(conn) -> None:
    """The functions of ``SQL_FUNCTIONS`` as they are now, rewritten as PL/pgSQL with the same body.

    Run after distributing: Citus turned the coordinator's own table into its local shard (a
    reference table's copy on the coordinator, e.g. grid_102009) under a new shell table, and a
    function returning ``SETOF grid`` followed the shard's row type. The new one returns the shell's.
    """
    shard = re.compile(r"\b(" + "|".join(REFERENCE + LARGE) + r")_\d{6,}\b")
    for (signature, definition, retset) in conn.execute(sa.text(
            "SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid), p.proretset FROM pg_proc p "
            "JOIN pg_language l ON l.oid = p.prolang "
            "WHERE p.pronamespace = 'public'::regnamespace AND l.lanname = 'sql' AND p.proname = ANY(:f)"),
            {"f": list(SQL_FUNCTIONS)}).all():
        m = re.search(r"AS \$function\$(.*)\$function\$", definition, re.S)
        body = m[1].strip().rstrip(";")
        ret = f"RETURN QUERY {body};" if retset else f"RETURN ({body});"
        head = shard.sub(r"\1", definition[:m.start()]).replace(" LANGUAGE sql", " LANGUAGE plpgsql")
        new = head + f"AS $function$\n#variable_conflict use_column\nBEGIN\n{ret}\nEND\n$function$"
        # Its callers' SQL bodies are not tracked as dependencies: dropping it leaves them in place.
        conn.execute(sa.text(f"DROP FUNCTION {signature}"))
        conn.execute(sa.text(new.replace(":", "\\:")))


def _propagate_views_and_functions(conn) -> None:
    """The app's views and functions on every node too: a query pushed down to a worker may call a
    function (the grid rule) that reads a view. Those made before the tables were distributed
    depended on local tables and were not propagated; creating a view again now propagates it,
    create_distributed_function() does so for a function."""
    mine = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e') "
            "AND NOT EXISTS (SELECT 1 FROM pg_dist_object o WHERE o.objid = {oid})")
    views = conn.execute(sa.text(
        "SELECT c.oid::regclass::text, pg_get_viewdef(c.oid) FROM pg_class c "
        "WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace AND "
        + mine.format(oid="c.oid") + " ORDER BY c.oid")).all()
    for name, definition in views:
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {name} AS {definition}".replace(":", "\\:")))
    for (signature,) in conn.execute(sa.text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace "
            "AND p.prokind = 'f' AND " + mine.format(oid="p.oid") + " ORDER BY p.oid")).all():
        conn.execute(sa.text("SELECT create_distributed_function(:f)"), {"f": signature})


def upgrade():
    conn = op.get_bind()
    if not citus_on(conn):
        return
    done = _distributed(conn)
    large = _existing(conn, LARGE)
    reference = _existing(conn, REFERENCE)
    _check_keys(conn, large)
    # One connection per node for the whole migration: DDL after writes to reference tables in the
    # same transaction must not fan out over parallel connections.
    conn.execute(sa.text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
    conn.execute(sa.text("SET LOCAL citus.enable_unsafe_triggers TO on"))
    # The app's connections turn local execution off (app/citus.py); distributing needs it.
    conn.execute(sa.text("SET LOCAL citus.enable_local_execution TO on"))
    # The address-library version bump (statement triggers of migration 0011) would run on the
    # shards, on the workers, where writing the reference row is a nested distributed query, which
    # Citus refuses: on Citus the app bumps it after each write instead (app/citus.py).
    for table in ("standard_address", "address_alias"):
        conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_bump_version ON {table}"))
    shards = int(os.environ.get("GRIDMAP_CITUS_SHARD_COUNT", "32"))
    # A local table may not reference a distributed one, nor a distributed table a local one: the
    # foreign keys between large tables are dropped, the tables distributed, and the keys put back.
    fks = conn.execute(sa.text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:t) "
        "AND confrelid::regclass::text = ANY(:t) AND NOT conrelid::regclass::text = ANY(:done) "
        "AND conparentid = 0 ORDER BY 1, 2"), {"t": large, "done": list(done)}).all()
    for table, name, _ in fks:
        conn.execute(sa.text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for table in _fk_order(conn, reference):
        if table not in done:
            conn.execute(sa.text("SELECT create_reference_table(:t)"), {"t": table})
    anchor = None
    for table in _fk_order(conn, large):
        if table not in done:
            if anchor is None:
                conn.execute(sa.text("SELECT create_distributed_table(:t, :col, colocate_with => 'none', "
                                     "shard_count => :n)"), {"t": table, "col": COLUMN, "n": shards})
            else:
                conn.execute(sa.text("SELECT create_distributed_table(:t, :col, colocate_with => :with)"),
                             {"t": table, "col": COLUMN, "with": anchor})
            # Already-loaded rows were copied into the shards: the coordinator's local copy is dead weight.
            conn.execute(sa.text("SELECT truncate_local_data_after_distributing_table(:t)"), {"t": table})
        anchor = anchor or table
    _plpgsql_functions(conn)
    _propagate_views_and_functions(conn)
    for table, name, definition in fks:
        # Citus refuses ON DELETE SET NULL / SET DEFAULT in a key holding the distribution column, even
        # PostgreSQL 15's SET NULL (column): the key checks (NO ACTION). GridMap deletes neither reports
        # nor standard addresses, the only rows such keys point to (report.duplicate_of, address_id).
        definition = re.sub(r"ON DELETE SET (NULL|DEFAULT)( \([^)]*\))?", "", definition).strip()
        conn.execute(sa.text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).first() is None:
        return
    conn.execute(sa.text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
    for table in reversed(LARGE + REFERENCE):
        if table in _distributed(conn):
            conn.execute(sa.text("SELECT undistribute_table(:t, cascade_via_foreign_keys => true)"), {"t": table})
    for table in ("standard_address", "address_alias"):
        conn.execute(sa.text(f"CREATE TRIGGER {table}_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                             f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_address_version()"))
