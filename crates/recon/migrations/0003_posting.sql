-- The posting side: entries recorded for posting (an identity that never moves), their source
-- item versions, and one outbox row per entry and target. Earlier versions created placeholder
-- tables of these names and never wrote to them; they are replaced.
DROP TABLE IF EXISTS postings;
DROP TABLE IF EXISTS entry_sources;
DROP TABLE IF EXISTS entries;

-- An entry as first recorded for posting. Its key and document number never change and are never
-- given to another entry. Its content may be rewritten only while no target holds or may hold it
-- (no posting row other than 'failed'); after that it is frozen and changes become new entries.
CREATE TABLE entries (
    entry_key     TEXT    PRIMARY KEY,      -- property/kind/anchor/seq
    property_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,         -- charges | payments | deposit | return | recognition | adjustment
    anchor        TEXT    NOT NULL,         -- the key's date, or item id for one-item entries
    slot          TEXT    NOT NULL,         -- kind/anchor/date: what the plan groups into one entry
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    doc_number    TEXT    NOT NULL,
    entry_date    TEXT    NOT NULL,
    post_month    TEXT    NOT NULL,
    currency      TEXT    NOT NULL,
    total         TEXT    NOT NULL,         -- decimal text, the sum of the debits
    content_hash  TEXT    NOT NULL,         -- sha256 of the body, hex
    body          TEXT    NOT NULL,         -- JSON: lines (logical account, side, amount text), sources
    corrects      TEXT    REFERENCES entries (entry_key),  -- adjustments: the entry they correct
    recorded_at   TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    withdrawn_at  TEXT                      -- no longer planned and never posted: the number stays taken
);
-- Document numbers are unique without case (QuickBooks compares them so) and never reused, even
-- for withdrawn entries.
CREATE UNIQUE INDEX entries_doc_number ON entries (property_id, upper(doc_number));
CREATE INDEX entries_by_slot ON entries (property_id, slot);

-- The item versions an entry books. A negative version is an item an adjustment reverses out of
-- its slot (deleted, moved, or held since), at that version.
CREATE TABLE entry_sources (
    entry_key     TEXT    NOT NULL REFERENCES entries (entry_key),
    item_kind     TEXT    NOT NULL,
    item_id       TEXT    NOT NULL,
    item_version  INTEGER NOT NULL CHECK (item_version <> 0),
    PRIMARY KEY (entry_key, item_kind, item_id)
);
CREATE INDEX entry_sources_by_item ON entry_sources (item_kind, item_id);

-- The outbox: one row per entry and target. Written 'pending' (with its idempotency key and the
-- attempt counted) in its own transaction before the request leaves; then 'confirmed' (the
-- target's id), 'failed' (the target refused it, with its message) or 'uncertain' (the outcome is
-- not known). A 'pending' row with attempts > 0 may have reached the target, so it is looked up
-- before anything is sent again, exactly like an 'uncertain' one. Only posting::outbox writes
-- `state`.
CREATE TABLE postings (
    entry_key        TEXT    NOT NULL REFERENCES entries (entry_key),
    target           TEXT    NOT NULL CHECK (target IN ('qbo', 'xero')),
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'failed', 'uncertain')),
    idempotency_key  TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    target_id        TEXT,
    target_date      TEXT,                  -- the date the target holds when it differs (closed period)
    error            TEXT,
    last_attempt_at  TEXT,
    updated_at       TEXT    NOT NULL,
    PRIMARY KEY (entry_key, target)
);
CREATE INDEX postings_by_state ON postings (target, state);

-- OAuth connections per target (connect/disconnect). Tokens are secrets: the state file is created
-- readable by its owner only, and nothing here reaches logs, errors or reports. A Xero custom
-- connection has no refresh token. `generation` counts refreshes, so that a process that waited
-- for another's refresh can tell it happened.
DROP TABLE IF EXISTS oauth_tokens;
CREATE TABLE oauth_tokens (
    target              TEXT    PRIMARY KEY CHECK (target IN ('qbo', 'xero')),
    access_token        TEXT    NOT NULL,
    access_expires_at   TEXT    NOT NULL,
    refresh_token       TEXT,
    refresh_expires_at  TEXT,
    company_id          TEXT    NOT NULL,   -- QBO realmId, Xero tenantId
    company_name        TEXT,
    generation          INTEGER NOT NULL DEFAULT 1,
    connected_at        TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);
