-- Where a read came from ('chat' or 'goodreads'), and when it was last changed, so an import
-- can be told apart from what the user typed.
ALTER TABLE reads ADD COLUMN source TEXT NOT NULL DEFAULT 'chat';
ALTER TABLE reads ADD COLUMN updated_at TIMESTAMPTZ;
UPDATE reads SET updated_at = read_at WHERE updated_at IS NULL;
