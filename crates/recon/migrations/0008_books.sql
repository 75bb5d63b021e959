-- Several sets of books (issue 18): a connection is one book's company in one target, so the key
-- of oauth_tokens becomes (target, book). Connections made before are the one book a config
-- without [books] has, `default`; nothing else changes for a single-company state file.
CREATE TABLE oauth_tokens_by_book (
    target              TEXT    NOT NULL CHECK (target IN ('qbo', 'xero')),
    book                TEXT    NOT NULL,
    access_token        TEXT    NOT NULL,
    access_expires_at   TEXT    NOT NULL,
    refresh_token       TEXT,
    refresh_expires_at  TEXT,
    company_id          TEXT    NOT NULL,   -- QBO realmId, Xero tenantId
    company_name        TEXT,
    generation          INTEGER NOT NULL DEFAULT 1,
    connected_at        TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    PRIMARY KEY (target, book)
);
INSERT INTO oauth_tokens_by_book (target, book, access_token, access_expires_at, refresh_token,
    refresh_expires_at, company_id, company_name, generation, connected_at, updated_at)
SELECT target, 'default', access_token, access_expires_at, refresh_token, refresh_expires_at,
       company_id, company_name, generation, connected_at, updated_at
FROM oauth_tokens;
DROP TABLE oauth_tokens;
ALTER TABLE oauth_tokens_by_book RENAME TO oauth_tokens;
