-- One row per (user, book). The book key is the Wikipedia title, never an embedding row number,
-- so a retrained model cannot scramble anyone's shelf. COLLATE "C": byte order, as in SQLite,
-- so the shelf lists ties the same way on both backends.
CREATE TABLE reads (
    user_id  TEXT COLLATE "C" NOT NULL,
    title    TEXT COLLATE "C" NOT NULL,
    rating   INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    read_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, title)
);

CREATE INDEX reads_by_user_time ON reads (user_id, read_at DESC);
