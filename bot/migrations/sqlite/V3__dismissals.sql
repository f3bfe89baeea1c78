-- Books a user marked "not for me": never picked for them again. Keyed by the Wikipedia title,
-- like reads, so a retrained model keeps them; forget and export find the table by user_id.
CREATE TABLE dismissals (
    user_id       TEXT NOT NULL,
    title         TEXT NOT NULL,
    dismissed_at  TEXT NOT NULL,  -- ISO 8601, UTC
    PRIMARY KEY (user_id, title)
) WITHOUT ROWID;
