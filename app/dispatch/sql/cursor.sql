-- The cursor a live-feed answer hands back (app.dispatch.feed): the client
-- asks next time for reports with updated_at after it.
--
-- A change becomes visible when its transaction commits, which can be well
-- after the updated_at it wrote. So the cursor stays
-- * :overlap seconds behind the clock (commits racing this read), and
-- * no later than the start of the oldest other transaction of this database
--   that has written something (backend_xid set): whatever it wrote carries an
--   updated_at after its start and is not visible yet.
-- The client then sees some rows twice and drops them by ticket + row_version.
-- A writer stuck for more than :max_lag seconds no longer holds the cursor
-- back (a forgotten idle-in-transaction session must not make every desk
-- reload everything); its rows may then be missed until the next full load.
SELECT greatest(
  least(clock_timestamp() - make_interval(secs => CAST(:overlap AS double precision)),
        coalesce((SELECT min(a.xact_start) FROM pg_stat_activity a
                  WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                    AND a.backend_xid IS NOT NULL), 'infinity')),
  clock_timestamp() - make_interval(secs => CAST(:max_lag AS double precision)))
