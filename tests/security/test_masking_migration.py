"""Migration 0038: gridmap_mask_free_text rewritten in PL/pgSQL (its plan kept per connection) masks
exactly as 0021's SQL function did, and goes down and up again."""
from __future__ import annotations

from sqlalchemy import text

NAME, PHONE, EMAIL = "张三丰", "13700001111", "sanfeng@example.com"
TEXTS = [
    "张三丰家门口，打 137 0000 1111 或 13700001111，sanfeng@example.com，张三",
    "请回电 13812345678，或 +86 139-8765-4321，座机0371-67891234，身份证410102199001011234",
    "王府井路口垃圾", " 张三丰 ", "", None,
]
REPORTERS = [(NAME, PHONE, EMAIL), ("王", None, None), (None, " ", ""), (" 张三丰 ", " 13700001111 ", " SanFeng@Example.com "),
             (None, None, None), ("李四", "bad phone", "not-an-email")]


def _masked(conn) -> list:
    return [conn.execute(text("SELECT gridmap_mask_free_text(:t, :n, :p, :e)"),
                         {"t": t, "n": n, "p": p, "e": e}).scalar()
            for t in TEXTS for n, p, e in REPORTERS]


def _language(conn) -> str:
    return conn.execute(text("SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                             "WHERE p.proname = 'gridmap_mask_free_text'")).scalar()


def test_the_plpgsql_rule_masks_as_the_sql_one_did(scratch_db):
    scratch_db.upgrade("0037_idempotency_lookup")
    with scratch_db.begin() as conn:
        assert _language(conn) == "sql"
        before = _masked(conn)
    scratch_db.upgrade("0038_mask_free_text_plpgsql")
    with scratch_db.begin() as conn:
        assert _language(conn) == "plpgsql"
        assert _masked(conn) == before
        assert before[0] == "张**家门口，打 137****1111 或 137****1111，s***@example.com，张三"
    scratch_db.downgrade("0037_idempotency_lookup")
    with scratch_db.begin() as conn:
        assert _language(conn) == "sql" and _masked(conn) == before
    scratch_db.upgrade("0038_mask_free_text_plpgsql")
