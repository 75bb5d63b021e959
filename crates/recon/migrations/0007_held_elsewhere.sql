-- A company found holding one of our entries with other money than recorded, while another target
-- holds it as recorded (a lost or replaced state file posted it there after Entrata changed; issue
-- 15): the entry cannot be rewritten (the other target holds it), so the posting is confirmed with
-- the lines that company holds (`held_body`, a body as JSON), and a catch-up entry for that company
-- alone (`only_target`, `only_company`; an adjustment correcting the entry) books the difference.
-- Every target then holds the recorded lines, and later adjustments apply to each alike.
ALTER TABLE postings ADD COLUMN held_body TEXT;
ALTER TABLE entries ADD COLUMN only_target TEXT CHECK (only_target IN ('qbo', 'xero'));
ALTER TABLE entries ADD COLUMN only_company TEXT;
