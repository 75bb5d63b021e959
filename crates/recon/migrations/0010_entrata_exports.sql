-- Entrata's own API (issue 19, item 5): the GL lines this connector marked exported in Entrata
-- (`markGlTransactionsExported`) once their entries were confirmed in the books, so that a line
-- is marked once and the operator's Entrata shows what reached the books.
CREATE TABLE entrata_exports (
    gl_detail_id  TEXT    PRIMARY KEY,      -- the glDetail's id: the deposit's id for this source
    marked_at     TEXT    NOT NULL          -- RFC 3339
);
