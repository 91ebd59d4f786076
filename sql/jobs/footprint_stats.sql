-- footprint_stats: what the lake holds for one user.
-- $tenant and $user are bound by the job (DataFusion parameters).
SELECT
  (SELECT count(*) FROM episodes WHERE tenant = $tenant AND "user" = $user) AS episodes,
  (SELECT count(*) FROM chunks   WHERE tenant = $tenant AND "user" = $user) AS chunks,
  (SELECT coalesce(sum(byte_len), 0) FROM episodes WHERE tenant = $tenant AND "user" = $user) AS bytes
