-- Planning forms (src/state/form.rs): every per-property item version (leases, charges, payments,
-- deposits) as the puller converted it, compact, so that `plan` decodes small records instead of
-- re-parsing Entrata's JSON. Derived from `items.raw`, which stays the record; written in the
-- transaction that stores the versions they come from. Money inside a form is integer cents.

-- First, items get an explicit INTEGER PRIMARY KEY: a form names its item version by it, and
-- SQLite keeps such a key through VACUUM (a bare rowid it may renumber). The key takes the old
-- rowid, so nothing else changes.
CREATE TABLE items_keyed (
    item_seq        INTEGER PRIMARY KEY,  -- the version's stable number (was the rowid)
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
    UNIQUE (kind, item_id, version)
);
INSERT INTO items_keyed (item_seq, kind, item_id, version, is_current, property_id, updated_at,
                         content_hash, raw, invalid_reason, first_seen_at, last_seen_at)
    SELECT rowid, kind, item_id, version, is_current, property_id, updated_at,
           content_hash, raw, invalid_reason, first_seen_at, last_seen_at
    FROM items ORDER BY rowid;
DROP TABLE items;
ALTER TABLE items_keyed RENAME TO items;
CREATE UNIQUE INDEX items_current ON items (kind, item_id) WHERE is_current = 1;
CREATE INDEX items_current_by_property ON items (property_id, kind) WHERE is_current = 1;

-- Forms a page at a time: one row per stored page of a list (per property, when a page's items
-- claim several), holding `<item_seq><form>` entries back to back. One row per thousand items
-- costs the pull next to nothing; a row per item cost it a third of its time. Entries of
-- superseded versions stay (as the versions do); `plan` keeps only the entries whose item_seq is
-- current in the list, which items_current_by_property (property_id, kind, item_seq) holds.
CREATE TABLE form_pages (
    property_id  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    first_seq    INTEGER NOT NULL,  -- the smallest item_seq in the page
    entries      BLOB    NOT NULL,
    PRIMARY KEY (property_id, kind, first_seq)
) WITHOUT ROWID;

-- Small facts about the file itself. `forms_version`: the form encoding every form page was
-- written with, and that every current per-property item version has its form. Absent or
-- different (a file from an older version): `plan` reads raw JSON and the next `pull` rebuilds
-- the forms.
CREATE TABLE state_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
