-- Discard draft :draft_id: its own rows go, the rows it ended are shared again.
UPDATE grid SET parent_id = NULL WHERE draft_id = CAST(:draft_id AS integer) AND parent_id IS NOT NULL
-- ;;
DELETE FROM grid WHERE draft_id = CAST(:draft_id AS integer)
-- ;;
UPDATE grid SET ended_in_drafts = array_remove(ended_in_drafts, CAST(:draft_id AS integer))
WHERE ended_in_drafts @> ARRAY[CAST(:draft_id AS integer)]
