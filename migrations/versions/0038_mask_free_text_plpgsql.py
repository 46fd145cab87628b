"""gridmap_mask_free_text in PL/pgSQL, same rule: its plan is kept for the connection's life (issue 16).

0021 wrote it as a LANGUAGE sql function whose body reads from nested sub-selects. PostgreSQL inlines
a SQL function only when its body is a single expression without FROM, so this one was planned anew
inside every statement that called it: 0.6-1.2 ms on each anonymous report's answer and on every list
shown without reports:personal, against 0.03 ms to run. A PL/pgSQL function caches the plans of its
expressions per connection. The steps and their order are 0021's: the reporter's name, phone and
e-mail wherever they appear (0006's and 0015's forms), then every contact pattern
(gridmap_mask_contacts, still a SQL function: one expression, inlined). On Citus (0035) the function
is distributed, and CREATE OR REPLACE reaches the workers.

Revision ID: 0038_mask_free_text_plpgsql
Revises: 0037_idempotency_lookup
Create Date: 2026-12-08
"""
from alembic import op

revision = "0038_mask_free_text_plpgsql"
down_revision = "0037_idempotency_lookup"
branch_labels = None
depends_on = None

_SIGNATURE = "gridmap_mask_free_text(txt text, name text, phone text, email text) RETURNS text"


def upgrade():
    op.execute(rf"""
        CREATE OR REPLACE FUNCTION {_SIGNATURE}
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
        DECLARE
          masked text := txt;
        BEGIN
          IF length(btrim(coalesce(name, ''))) >= 2 THEN  -- a one-letter name is everywhere
            masked := replace(masked, btrim(name), gridmap_mask_name(name));
          END IF;
          IF nullif(btrim(phone), '') IS NOT NULL THEN
            masked := replace(masked, btrim(phone), gridmap_mask_phone(phone));
          END IF;
          IF nullif(btrim(email), '') IS NOT NULL THEN
            masked := replace(masked, btrim(email), gridmap_mask_email(email));
          END IF;
          RETURN gridmap_mask_contacts(masked);
        END $$""")


def downgrade():
    op.execute(rf"""
        CREATE OR REPLACE FUNCTION {_SIGNATURE}
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT gridmap_mask_contacts(
                   CASE WHEN nullif(btrim(email), '') IS NULL THEN by_phone
                        ELSE replace(by_phone, btrim(email), gridmap_mask_email(email)) END)
          FROM (SELECT CASE WHEN nullif(btrim(phone), '') IS NULL THEN by_name
                            ELSE replace(by_name, btrim(phone), gridmap_mask_phone(phone)) END AS by_phone
                FROM (SELECT CASE WHEN length(btrim(coalesce(name, ''))) >= 2
                                  THEN replace(txt, btrim(name), gridmap_mask_name(name)) ELSE txt END AS by_name
                     ) named
               ) phoned $$""")
