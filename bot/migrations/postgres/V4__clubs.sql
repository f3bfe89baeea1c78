-- Book clubs, one per server (guild), opt-in: only members who joined share their shelf there.
-- The member column is user_id, so forget and export find both tables from the schema alone.
CREATE TABLE club_members (
    guild_id   TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    joined_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE INDEX club_members_by_user ON club_members (user_id);

-- The club's current book, one per server; user_id is who set it (a forgotten user's entry
-- goes with them).
CREATE TABLE club_books (
    guild_id  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    title     TEXT COLLATE "C" NOT NULL,
    set_at    TIMESTAMPTZ NOT NULL,
    user_id   TEXT COLLATE "C" NOT NULL
);
