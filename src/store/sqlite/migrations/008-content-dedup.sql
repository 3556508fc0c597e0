-- Evaluation results and inventories stored once by content (issue #7: an unchanged tenant's
-- second run added its whole results row and every inventory again).
-- - `json_blobs` holds each distinct per-rule result and each distinct inventory (one kind of one
--   evaluation) once, keyed by the SHA-256 of its canonical JSON;
-- - an evaluation written from here on stores '' in `results_json` and lists its results, in
--   order, in `evaluation_results`; its results hash is computed over the same text as before
--   ('[' || the results' JSON, comma-joined || ']'), so verify re-hashes it exactly as it did;
-- - an inventory row written from here on stores '' in `json` and points at its content with
--   `blob_id`; its row hash (and so the chain) still covers the content's JSON text.
-- Rows written before this migration keep their inline JSON and verify as before.

CREATE TABLE json_blobs (
  id   INTEGER PRIMARY KEY,
  hash TEXT    NOT NULL UNIQUE, -- sha256Hex(json)
  json TEXT    NOT NULL         -- canonical JSON of one validated rule result or inventory
);

CREATE TABLE evaluation_results (
  evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
  ordinal       INTEGER NOT NULL, -- from 0, in the order of the evaluation's results
  blob_id       INTEGER NOT NULL REFERENCES json_blobs (id),
  PRIMARY KEY (evaluation_id, ordinal)
) WITHOUT ROWID;

-- Finds the evaluations sharing a changed content row without a scan.
CREATE INDEX evaluation_results_blob ON evaluation_results (blob_id);

ALTER TABLE inventories ADD COLUMN blob_id INTEGER REFERENCES json_blobs (id);

CREATE TRIGGER append_only_json_blobs_update BEFORE UPDATE ON json_blobs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stored results and inventories cannot be changed'); END;
CREATE TRIGGER append_only_json_blobs_delete BEFORE DELETE ON json_blobs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stored results and inventories cannot be deleted'); END;
CREATE TRIGGER append_only_evaluation_results_update BEFORE UPDATE ON evaluation_results
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: an evaluation''s results cannot be changed'); END;
CREATE TRIGGER append_only_evaluation_results_delete BEFORE DELETE ON evaluation_results
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: an evaluation''s results cannot be deleted'); END;
