-- Each conversation counts its own turns: an append takes the next number
-- by updating its conversation's row, which concurrent writers cannot
-- both do at once (MAX(seq) + 1 could be read twice).
ALTER TABLE conversations ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations
   SET last_seq = (SELECT COALESCE(MAX(seq), 0) FROM turns WHERE turns.conversation_id = conversations.id);
