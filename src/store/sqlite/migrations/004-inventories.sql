-- Evidentia evidence store: the inventories each evaluation stores (controls.md: privileged access,
-- apps and grants, accounts per person, access-review populations, leavers).
-- One row per (evaluation, kind), written in the same transaction as its evaluation, so an
-- evaluation has all of its inventories or none (none: it was stored before inventories existed).
-- `sha256` covers the evaluation id, the kind, the evaluation's results hash, the JSON and the
-- previous row's sha256 (a chain in id order), so a row cannot be edited, moved to another
-- evaluation, or deleted from before the newest evaluation without `evidentia verify` naming it.

CREATE TABLE inventories (
  id            INTEGER PRIMARY KEY,
  evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
  kind          TEXT    NOT NULL,
  json          TEXT    NOT NULL, -- canonical JSON of the validated inventory ({availability, rows})
  sha256        TEXT    NOT NULL,
  previous_sha256 TEXT,           -- sha256 of the row stored just before (null for the first)
  UNIQUE (evaluation_id, kind)
);

CREATE TRIGGER append_only_inventories_update BEFORE UPDATE ON inventories
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: inventories cannot be changed'); END;
CREATE TRIGGER append_only_inventories_delete BEFORE DELETE ON inventories
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: inventories cannot be deleted'); END;
