"""Contact details typed into free text are masked for roles that may not see them (PIPL).

A reporter writes "请回电 13812345678" into the description, a worker notes
"已联系 0371-67891234": 0006's and 0015's functions mask the name, phone and
e-mail *fields*, not text. One rule for free text, used by every query that
returns descriptions and history notes to callers without reports:personal
(app.auth.masking) and always by Open311:

- ``gridmap_mask_contacts(text)``: every contact pattern in the text --
  18-digit resident ID numbers (410102********1234: region and the last four
  kept, the birth date hidden), mainland mobiles with or without +86 / 0086 /
  86, separated by spaces or hyphens, in full-width digits (138****5678),
  landlines with their area code, also after +86 (0371-****1234), and e-mail
  addresses (z***@example.com).
- ``gridmap_mask_free_text(text, name, phone, email)``: the reporter's own
  name, phone and e-mail wherever they appear in the text (in the forms of
  0006 and 0015), then every pattern above.

Local numbers without an area code (6789 1234), QQ and WeChat ids, and
15-digit ID numbers are not recognised: they look like too many other
numbers (amounts, order numbers, times).

Revision ID: 0021_free_text_masking
Revises: 0024_desk
Create Date: 2026-12-08
"""
from alembic import op

revision = "0021_free_text_masking"
down_revision = "0024_desk"
branch_labels = None
depends_on = None

# PostgreSQL ARE, with full-width digits (０-９) and signs beside ASCII ones.
_D = "[0-9０-９]"
_SEP = "[- －–　]?"                                      # one optional space or hyphen between groups
_NOT_AFTER_DIGIT = "(?<![0-9０-９])"
_NOT_BEFORE_DIGIT = "(?![0-9０-９])"
_COUNTRY = "(?:[+＋]|00|００)?[8８][6６]"                 # +86, 0086, 86

#: (pattern, replacement), applied in this order: ID numbers first, so no phone is found inside one.
PATTERNS = (
    (rf"{_NOT_AFTER_DIGIT}([1-9１-９]{_D}{{5}}){_D}{{8}}({_D}{{3}}[0-9０-９XxＸｘ])(?![0-9０-９XxＸｘ])",
     r"\1********\2"),
    (rf"{_NOT_AFTER_DIGIT}(?:[(（]?{_COUNTRY}[)）]?{_SEP})?([1１][3-9３-９]{_D}){_SEP}{_D}{{4}}{_SEP}({_D}{{4}})"
     rf"{_NOT_BEFORE_DIGIT}",
     r"\1****\2"),
    (rf"{_NOT_AFTER_DIGIT}(?:{_COUNTRY}{_SEP}[(（]?[0０]?|[(（]?[0０])([1-9１-９]{_D}{{1,2}})[)）]?{_SEP}"
     rf"([1-9１-９]{_D}{{2,3}}){_SEP}({_D}{{4}}){_NOT_BEFORE_DIGIT}",
     r"0\1-****\3"),
    (r"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",
     r"\1***@\2"),
)


def _quoted(value: str) -> str:
    # standard_conforming_strings is on (PostgreSQL's default since 9.1): only quotes need doubling.
    return "'" + value.replace("'", "''") + "'"


def contacts_body() -> str:
    body = "txt"
    for pattern, replacement in PATTERNS:
        body = f"regexp_replace({body}, {_quoted(pattern)}, {_quoted(replacement)}, 'g')"
    return body


def upgrade():
    op.execute(f"""
        CREATE FUNCTION gridmap_mask_contacts(txt text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {contacts_body()} $$""")
    op.execute("COMMENT ON FUNCTION gridmap_mask_contacts(text) IS "
               "'Free text with the contact details in it masked (PIPL): 18-digit ID numbers, mainland mobiles "
               "(+86, separators, full-width digits), landlines with area code, e-mail addresses "
               "(migration 0021_free_text_masking)'")
    op.execute(r"""
        CREATE FUNCTION gridmap_mask_free_text(txt text, name text, phone text, email text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT gridmap_mask_contacts(
                   CASE WHEN nullif(btrim(email), '') IS NULL THEN by_phone
                        ELSE replace(by_phone, btrim(email), gridmap_mask_email(email)) END)
          FROM (SELECT CASE WHEN nullif(btrim(phone), '') IS NULL THEN by_name
                            ELSE replace(by_name, btrim(phone), gridmap_mask_phone(phone)) END AS by_phone
                FROM (SELECT CASE WHEN length(btrim(coalesce(name, ''))) >= 2  -- a one-letter name is everywhere
                                  THEN replace(txt, btrim(name), gridmap_mask_name(name)) ELSE txt END AS by_name
                     ) named
               ) phoned $$""")
    op.execute("COMMENT ON FUNCTION gridmap_mask_free_text(text, text, text, text) IS "
               "'A report''s description or history note as roles without reports:personal see it: the reporter''s "
               "own name, phone and e-mail masked wherever they appear (gridmap_mask_name/phone/email), then "
               "every contact pattern (gridmap_mask_contacts)'")


def downgrade():
    op.execute("DROP FUNCTION gridmap_mask_free_text(text, text, text, text)")
    op.execute("DROP FUNCTION gridmap_mask_contacts(text)")
