-- Publish draft :draft_id as generation :new_generation, in the caller's transaction.
-- 1. The rows the draft ended stop at the old generation (kept as history).
--    The current rows picked through the view grid_current, the grid written directly: Citus cannot
--    modify a view over a reference table.
UPDATE grid SET generation_high = CAST(:old_generation AS integer)
WHERE id IN (SELECT c.id FROM grid_current c WHERE c.ended_in_drafts @> ARRAY[CAST(:draft_id AS integer)])
-- ;;
-- 2. The draft's own rows become the new generation; shared rows simply carry on (high stays NULL).
UPDATE grid SET draft_id = NULL, generation_low = CAST(:new_generation AS integer)
WHERE draft_id = CAST(:draft_id AS integer)
-- ;;
UPDATE grid SET ended_in_drafts = array_remove(ended_in_drafts, CAST(:draft_id AS integer))
WHERE ended_in_drafts @> ARRAY[CAST(:draft_id AS integer)]
