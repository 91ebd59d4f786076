-- list_episodes: one user's episodes in time order, optionally of one
-- source kind ($kind = '' for all). $tenant, $user and $kind are bound by
-- the job (DataFusion parameters); the job applies the row limit.
SELECT *
FROM episodes
WHERE tenant = $tenant
  AND "user" = $user
  AND ($kind = '' OR source_kind = $kind)
ORDER BY occurred_at_us, episode_id
