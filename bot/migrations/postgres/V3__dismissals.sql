-- Books a user marked "not for me": never picked for them again. Keyed by the Wikipedia title,
-- like reads, so a retrained model keeps them; forget and export find the table by user_id.
CREATE TABLE dismissals (
    user_id       TEXT COLLATE "C" NOT NULL,
    title         TEXT COLLATE "C" NOT NULL,
    dismissed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, title)
);
