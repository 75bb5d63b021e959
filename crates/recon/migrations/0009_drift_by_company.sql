-- The drift report reads back every book's company (issue 18): a snapshot is of one company of a
-- target, so the key of drift_reads becomes (target, company) and drift_held carries its company.
-- The one snapshot a state file kept before is its company's; nothing is read again for it.
CREATE TABLE drift_reads_by_company (
    target        TEXT    NOT NULL CHECK (target IN ('qbo', 'xero')),
    company_id    TEXT    NOT NULL,         -- realmId / tenantId
    compared_at   TEXT    NOT NULL,         -- RFC 3339, the target's time when the read began
    full_read_at  TEXT    NOT NULL,         -- RFC 3339, the target's time of the last full read
    updated_at    TEXT    NOT NULL,         -- our clock
    PRIMARY KEY (target, company_id)
);
INSERT INTO drift_reads_by_company (target, company_id, compared_at, full_read_at, updated_at)
SELECT target, company_id, compared_at, full_read_at, updated_at FROM drift_reads;

CREATE TABLE drift_held_by_company (
    target        TEXT    NOT NULL CHECK (target IN ('qbo', 'xero')),
    company_id    TEXT    NOT NULL,
    target_id     TEXT    NOT NULL,
    entry_key     TEXT,
    doc_number    TEXT,
    txn_date      TEXT,
    status        TEXT    NOT NULL,
    lines         TEXT    NOT NULL,
    content_hash  TEXT    NOT NULL,
    updated_at    TEXT,
    PRIMARY KEY (target, company_id, target_id)
);
INSERT INTO drift_held_by_company (target, company_id, target_id, entry_key, doc_number, txn_date, status,
    lines, content_hash, updated_at)
SELECT h.target, r.company_id, h.target_id, h.entry_key, h.doc_number, h.txn_date, h.status, h.lines,
       h.content_hash, h.updated_at
FROM drift_held h JOIN drift_reads r ON r.target = h.target;

DROP TABLE drift_held;
DROP TABLE drift_reads;
ALTER TABLE drift_reads_by_company RENAME TO drift_reads;
ALTER TABLE drift_held_by_company RENAME TO drift_held;
CREATE INDEX drift_held_by_key ON drift_held (target, company_id, entry_key);
