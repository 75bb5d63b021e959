-- An entry adopted from a company that holds it with other lines than this state file planned
-- (issue 15, item 6: the state file was lost or replaced and Entrata changed since the entry was
-- posted from the old one). Its body is rewritten to the lines the company holds, and `rebook`
-- marks it: its recorded lines no longer follow from its sources' versions, so its slot is booked
-- from money (tonight's plan less what the held links hold), which books exactly the difference
-- once, as an adjustment.
ALTER TABLE entries ADD COLUMN rebook INTEGER NOT NULL DEFAULT 0;
