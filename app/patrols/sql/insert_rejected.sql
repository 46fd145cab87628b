-- Rejected fixes with their reason and what was sent; the fingerprint (reason + the fix
-- as sent) keeps a retried batch from adding the same rejection twice.
INSERT INTO patrol_fix_rejected (district_code, worker_id, time, reason, params, sent, fingerprint)
SELECT :district_code, s.worker_id, s.time, s.reason, CAST(s.params AS jsonb), CAST(s.sent AS jsonb),
       md5(s.reason || '|' || CAST(CAST(s.sent AS jsonb) AS text))
FROM patrol_reject_staging s
ON CONFLICT (worker_id, fingerprint) DO NOTHING
