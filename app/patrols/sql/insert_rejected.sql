-- Rejected fixes with their reason and what was sent, under each worker's district (a city user's:
-- :district_code, the default); the fingerprint (reason + the fix as sent) keeps a retried batch
-- from adding the same rejection twice.
INSERT INTO patrol_fix_rejected (district_code, worker_id, time, reason, params, sent, fingerprint)
SELECT coalesce(u.district_code, :district_code), s.worker_id, s.time, s.reason, CAST(s.params AS jsonb),
       CAST(s.sent AS jsonb), md5(s.reason || '|' || CAST(CAST(s.sent AS jsonb) AS text))
FROM patrol_reject_staging s
LEFT JOIN app_user u ON u.id = s.worker_id
ON CONFLICT (district_code, worker_id, fingerprint) DO NOTHING
