"""SQL functions that mask reporters' personal data (PIPL) for roles that do not need it.

One implementation, used by every query that returns reports: a phone keeps
its first 3 and last 4 digits (138****5678), a Chinese name its family name
(张*, 欧阳**), a Latin name its initial.

Revision ID: 0006_masking
Revises: 0005_auth_audit
Create Date: 2026-11-22
"""
from alembic import op

revision = "0006_masking"
down_revision = "0005_auth_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(r"""
        CREATE FUNCTION gridmap_mask_phone(phone text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE
            WHEN phone IS NULL OR phone = '' THEN phone
            WHEN length(regexp_replace(phone, '\D', '', 'g')) >= 7 THEN
              left(regexp_replace(phone, '\D', '', 'g'), 3)
              || repeat('*', greatest(length(regexp_replace(phone, '\D', '', 'g')) - 7, 4))
              || right(regexp_replace(phone, '\D', '', 'g'), 4)
            ELSE repeat('*', length(phone))
          END $$""")
    op.execute(r"""
        CREATE FUNCTION gridmap_mask_name(name text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE
            WHEN name IS NULL OR btrim(name) = '' THEN name
            WHEN btrim(name) !~ '^[一-鿿]' THEN
              left(btrim(name), 1) || repeat('*', greatest(length(btrim(name)) - 1, 1))
            WHEN length(btrim(name)) > 2 AND left(btrim(name), 2) = ANY (ARRAY[
                '欧阳','司马','上官','诸葛','东方','皇甫','尉迟','公孙','慕容','长孙',
                '宇文','司徒','夏侯','轩辕','令狐','钟离','端木','独孤','南宫','西门']) THEN
              left(btrim(name), 2) || repeat('*', length(btrim(name)) - 2)
            ELSE left(btrim(name), 1) || repeat('*', greatest(length(btrim(name)) - 1, 1))
          END $$""")


def downgrade():
    op.execute("DROP FUNCTION gridmap_mask_name(text)")
    op.execute("DROP FUNCTION gridmap_mask_phone(text)")
