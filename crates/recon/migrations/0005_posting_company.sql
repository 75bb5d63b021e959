-- Each posting records the company it was sent to or found in (issue 15, item 7): a QuickBooks
-- realm id or a Xero tenant id. A posting to one company says nothing about another: the outbox of
-- the connected company reads only its own postings, an unknown outcome is looked up only in the
-- company it was sent to, and an entry posted to an earlier company is posted afresh to a new one
-- (`connect --switch-company`). So the key becomes (entry, target, company).
--
-- Rows written before this migration get the company of the target's connection; with none (the
-- target was disconnected), the company the drift report last read back from it; with neither,
-- '' (not known). The first `connect` of that target then takes the not-known postings as its
-- company's, unless it is told `--switch-company` (then they stay not known: reported, never
-- looked up or resent anywhere).
CREATE TABLE postings_by_company (
    entry_key        TEXT    NOT NULL REFERENCES entries (entry_key),
    target           TEXT    NOT NULL CHECK (target IN ('qbo', 'xero')),
    company_id       TEXT    NOT NULL,      -- QBO realmId, Xero tenantId; '' when not known (above)
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'failed', 'uncertain')),
    idempotency_key  TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    target_id        TEXT,
    target_date      TEXT,
    error            TEXT,
    last_attempt_at  TEXT,
    updated_at       TEXT    NOT NULL,
    PRIMARY KEY (entry_key, target, company_id)
);

INSERT INTO postings_by_company (entry_key, target, company_id, state, idempotency_key, attempts, target_id,
                                 target_date, error, last_attempt_at, updated_at)
SELECT p.entry_key, p.target,
       COALESCE((SELECT t.company_id FROM oauth_tokens t WHERE t.target = p.target),
                (SELECT d.company_id FROM drift_reads d WHERE d.target = p.target),
                ''),
       p.state, p.idempotency_key, p.attempts, p.target_id, p.target_date, p.error, p.last_attempt_at,
       p.updated_at
FROM postings p;

DROP TABLE postings;
ALTER TABLE postings_by_company RENAME TO postings;
CREATE INDEX postings_by_state ON postings (target, company_id, state);
