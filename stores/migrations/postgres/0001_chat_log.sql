-- The chat log: conversations, each counting its own turns (an append
-- takes the next number by updating its conversation's row, which locks
-- it against concurrent writers), and the turns themselves.
CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    title      TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    last_seq   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_scope ON conversations (tenant, user_id);
CREATE TABLE turns (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tenant          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('user', 'twin')),
    text            TEXT NOT NULL,
    citations       TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE INDEX turns_by_scope ON turns (tenant, user_id, conversation_id, seq);
