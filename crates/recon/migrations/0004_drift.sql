-- The drift report's memory of each target (issue 12): what a target held from the connector at the
-- last comparison, so that the next one reads only what changed since (QuickBooks' Change Data
-- Capture, Xero's If-Modified-Since). Written only by `drift` (and `run`, which ends with one).
-- Everything here can be rebuilt by `drift --full`: deleting it loses nothing but speed.

-- One row per target: when the last complete read-back was taken, in the target's own clock.
CREATE TABLE drift_reads (
    target        TEXT    PRIMARY KEY CHECK (target IN ('qbo', 'xero')),
    company_id    TEXT    NOT NULL,         -- realmId / tenantId: a snapshot of another company is never reused
    compared_at   TEXT    NOT NULL,         -- RFC 3339, the target's time when the read began
    full_read_at  TEXT    NOT NULL,         -- RFC 3339, the target's time of the last full read
    updated_at    TEXT    NOT NULL          -- our clock
);

-- What the target held at that read, per target id: documents carrying the connector's key marker,
-- and documents the outbox confirmed there (whatever became of their memo).
CREATE TABLE drift_held (
    target        TEXT    NOT NULL CHECK (target IN ('qbo', 'xero')),
    target_id     TEXT    NOT NULL,
    entry_key     TEXT,                     -- from the memo marker; NULL when it carries none
    doc_number    TEXT,
    txn_date      TEXT,                     -- YYYY-MM-DD
    status        TEXT    NOT NULL,         -- live | voided | deleted | another status, lower case
    lines         TEXT    NOT NULL,         -- JSON [{"account", "side", "amount"}]: amounts as decimal text
    content_hash  TEXT    NOT NULL,         -- sha256 of date, status and lines, hex
    updated_at    TEXT,                     -- the target's last-updated time of the document
    PRIMARY KEY (target, target_id)
);
CREATE INDEX drift_held_by_key ON drift_held (target, entry_key);
