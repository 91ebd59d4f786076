-- A turn's metadata: citations were all it held; a twin turn now also
-- records who answered and what it drew on.
ALTER TABLE turns RENAME COLUMN citations TO metadata;
UPDATE turns SET metadata = json_build_object('citations', metadata::json)::text WHERE metadata LIKE '[%';
-- A conversation's summary, extended at each breakpoint, and the last turn
-- it covers.
ALTER TABLE conversations ADD COLUMN summary TEXT;
ALTER TABLE conversations ADD COLUMN summarised_through BIGINT NOT NULL DEFAULT 0;
-- Idle open conversations are found by their last turn.
CREATE INDEX conversations_open_by_last ON conversations ((COALESCE(last_message_at, created_at))) WHERE status = 'open';
-- Ratings of the twin's turns, with the memories each rated turn drew on.
CREATE TABLE feedback (
    id         BIGSERIAL PRIMARY KEY,
    tenant     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    turn_id    BIGINT NOT NULL,
    rating     TEXT NOT NULL,
    comment    TEXT,
    memory_ids TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE INDEX feedback_by_scope ON feedback (tenant, user_id, id);
