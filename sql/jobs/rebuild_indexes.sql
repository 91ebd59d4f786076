-- rebuild_indexes: every committed chunk in the lake, to reload the vector
-- and full-text indexes from the source of truth.
--
-- A chunk counts only when its episode row exists: the episode row is
-- written after every sink has committed, so chunks of an episode whose
-- ingest was interrupted are left out (the replay will write them).
-- Tables `chunks` and `episodes` are registered by the job over the lake
-- layout tenant=<t>/user=<u>/<table>/<hash>.parquet.
SELECT c.*
FROM chunks AS c
JOIN episodes AS e
  ON c.episode_id = e.episode_id
 AND c.tenant = e.tenant
 AND c."user" = e."user"
ORDER BY c.tenant, c."user", c.episode_id, c.ordinal
