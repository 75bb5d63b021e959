-- Planning forms (src/state/form.rs): every current per-property item (leases, charges, payments,
-- deposits) as the puller converted it, compact and clustered by property, so that `plan` reads
-- a property's items as one contiguous range instead of re-parsing Entrata's JSON. Derived from
-- `items.raw`, which stays the record; written in the same transaction as the item version it
-- comes from. Money inside a form is integer cents, never a float.
CREATE TABLE item_forms (
    property_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    form         BLOB NOT NULL,   -- a converted item, or the reason it was quarantined
    PRIMARY KEY (property_id, kind, item_id)
) WITHOUT ROWID;

-- Small facts about the file itself. `forms_version`: the form encoding every row of item_forms
-- was written with. Absent or different (a file from an older version): `plan` reads raw JSON
-- and the next `pull` rebuilds the forms.
CREATE TABLE state_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;
