-- The state file's first schema. Money is never stored as REAL: items keep Entrata's JSON text
-- verbatim (amounts exactly as sent), and amounts of our own are decimal TEXT ("1295.00").
-- Timestamps are RFC 3339 UTC text.

-- Every version of every item pulled from Entrata.
CREATE TABLE items (
    kind            TEXT    NOT NULL,  -- properties | arCodes | leases | charges | payments | deposits
    item_id         TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    is_current      INTEGER NOT NULL CHECK (is_current IN (0, 1)),
    property_id     TEXT,              -- NULL for company-wide kinds (arCodes)
    updated_at      TEXT,              -- the item's updatedAt as Entrata sent it (NULL when unusable)
    content_hash    TEXT    NOT NULL,  -- sha256 of raw, hex
    raw             TEXT    NOT NULL,  -- the item's JSON exactly as Entrata sent it
    invalid_reason  TEXT,              -- NULL when the item converts; else why it was quarantined
    first_seen_at   TEXT    NOT NULL,
    last_seen_at    TEXT    NOT NULL,
    PRIMARY KEY (kind, item_id, version)
);
CREATE UNIQUE INDEX items_current ON items (kind, item_id) WHERE is_current = 1;
CREATE INDEX items_current_by_property ON items (property_id, kind) WHERE is_current = 1;

-- How far each list has been pulled: per property (or '*' for company-wide lists) and kind.
CREATE TABLE watermarks (
    scope       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,  -- the latest updatedAt pulled, RFC 3339 UTC
    pulled_at   TEXT NOT NULL,
    PRIMARY KEY (scope, kind)
);

-- One row per command that changed the state file.
CREATE TABLE runs (
    run_id       INTEGER PRIMARY KEY,
    command      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT CHECK (outcome IN ('ok', 'needs_attention', 'failed')),  -- NULL: running or crashed
    summary      TEXT   -- JSON written by the command
);

-- Planned journal entries (filled by posting).
CREATE TABLE entries (
    entry_key     TEXT PRIMARY KEY,
    property_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    doc_number    TEXT NOT NULL,
    entry_date    TEXT NOT NULL,
    post_month    TEXT NOT NULL,
    currency      TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    body          TEXT NOT NULL,   -- the entry as JSON, money as decimal strings
    planned_at    TEXT NOT NULL,
    run_id        INTEGER REFERENCES runs (run_id)
);

CREATE TABLE entry_sources (
    entry_key     TEXT    NOT NULL REFERENCES entries (entry_key),
    item_kind     TEXT    NOT NULL,
    item_id       TEXT    NOT NULL,
    item_version  INTEGER NOT NULL,
    PRIMARY KEY (entry_key, item_kind, item_id)
);

-- Every posting attempt per target (filled by posting).
CREATE TABLE postings (
    posting_id       INTEGER PRIMARY KEY,
    entry_key        TEXT NOT NULL REFERENCES entries (entry_key),
    target           TEXT NOT NULL CHECK (target IN ('qbo', 'xero')),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'confirmed', 'failed', 'uncertain')),
    idempotency_key  TEXT NOT NULL,
    target_id        TEXT,
    error            TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (entry_key, target)
);

-- Findings from planning that need a person (unmapped codes, deposit mismatches, ...). Items the
-- pull quarantined are not repeated here: they are the current versions with invalid_reason set.
CREATE TABLE exceptions (
    exception_id   INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    property_id    TEXT,
    source_id      TEXT NOT NULL,
    amount         TEXT,   -- decimal text
    currency       TEXT,
    message        TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    resolved_at    TEXT,
    UNIQUE (kind, source_id)
);

-- OAuth tokens per target (filled by connect).
CREATE TABLE oauth_tokens (
    target              TEXT PRIMARY KEY CHECK (target IN ('qbo', 'xero')),
    access_token        TEXT NOT NULL,
    refresh_token       TEXT NOT NULL,
    access_expires_at   TEXT NOT NULL,
    refresh_expires_at  TEXT,
    company_id          TEXT,   -- QBO realmId or Xero tenantId
    updated_at          TEXT NOT NULL
);
