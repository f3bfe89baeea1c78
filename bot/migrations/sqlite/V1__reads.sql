-- One row per (user, book). The book key is the Wikipedia title, never an embedding row number,
-- so a retrained model cannot scramble anyone's shelf.
CREATE TABLE reads (
    user_id  TEXT NOT NULL,
    title    TEXT NOT NULL,
    rating   INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    read_at  TEXT NOT NULL,  -- ISO 8601, UTC
    PRIMARY KEY (user_id, title)
) WITHOUT ROWID;

CREATE INDEX reads_by_user_time ON reads (user_id, read_at DESC);
