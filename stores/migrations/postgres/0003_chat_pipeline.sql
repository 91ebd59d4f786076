-- The chat pipeline's outbox: a person's turn is learnt (made an episode in
-- the lake and the indexes) after it is stored; until then learnt_at is
-- NULL, and a server that stopped in between learns it when it starts.
ALTER TABLE turns ADD COLUMN learnt_at TEXT;
CREATE INDEX turns_to_learn ON turns (id) WHERE learnt_at IS NULL AND role = 'user';
-- Conversations are listed by their latest turn.
ALTER TABLE conversations ADD COLUMN last_message_at TEXT;
UPDATE conversations
   SET last_message_at = (SELECT MAX(created_at) FROM turns WHERE turns.conversation_id = conversations.id);
