-- document_texts: the text of one user's documents, chunk by chunk in
-- order, for the memory extractor (entries keep their text on the episode
-- row; documents keep theirs in the chunks). $tenant and $user are bound
-- by the job.
SELECT c.episode_id, c.text
FROM chunks AS c
WHERE c.tenant = $tenant
  AND c."user" = $user
  AND c.source_kind IN ('text', 'markdown', 'html', 'website', 'pdf')
ORDER BY c.episode_id, c.ordinal
