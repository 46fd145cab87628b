"""Planners move buildings between grids: the edit kind, and one definition of "a building".

``draft_operation.kind`` may be ``'move_buildings'``. ``gridmap_building_key``
says which standard addresses form one building: its compound (or road and
door number) and building name; a door with no building name is its own
building. The impact preview counts buildings with it and the building move
finds a building's addresses with it (through the expression index).

Revision ID: 0018_move_buildings
Revises: 0017_report_address
Create Date: 2026-12-06
"""
from alembic import op

revision = "0018_move_buildings"
down_revision = "0017_report_address"
branch_labels = None
depends_on = None

NEW = "kind IN ('reshape', 'split', 'merge', 'move', 'import', 'move_buildings')"
OLD = "kind IN ('reshape', 'split', 'merge', 'move', 'import')"


def upgrade():
    op.drop_constraint("ck_draft_operation_kind", "draft_operation", type_="check")
    op.create_check_constraint("ck_draft_operation_kind", "draft_operation", NEW)
    op.execute("""
        CREATE FUNCTION gridmap_building_key(compound text, road text, number text, building text, id bigint)
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT coalesce(coalesce(compound, road || ' ' || coalesce(number, '')) || ' / '
                          || coalesce(building, '#' || id::text), '#' || id::text)
        $$""")
    op.execute("CREATE INDEX ix_standard_address_building ON standard_address "
               "(district_code, gridmap_building_key(compound, road, number, building, id))")


def downgrade():
    op.execute("DROP INDEX ix_standard_address_building")
    op.execute("DROP FUNCTION gridmap_building_key(text, text, text, text, bigint)")
    # NOT VALID: logged building moves stay in the log (nothing is deleted); new rows are checked.
    op.drop_constraint("ck_draft_operation_kind", "draft_operation", type_="check")
    op.execute(f"ALTER TABLE draft_operation ADD CONSTRAINT ck_draft_operation_kind CHECK ({OLD}) NOT VALID")
