-- Entities stored once by content, referenced by every run that saw them.
--
-- Schema 1 stored every entity again on every run, so a second run on an unchanged tenant added
-- more than half the bytes of the first. From here on:
-- - `entity_blobs` holds each distinct entity once, keyed by the SHA-256 of its canonical JSON;
-- - while a run collects, `pending_entities` lists what each stream has returned so far (so an
--   interrupted run keeps what it had, for diagnosis);
-- - when the run is sealed, each stream's entities become an `entity_sets` row, keyed by the
--   SHA-256 of the canonical JSON array of the stream's entities in (kind, key) order, stored once
--   however many runs return the same set, and `run_entity_sets` links the run's stream to it; the
--   run's pending rows are then deleted (the only delete the triggers below allow).
-- The manifest's entitiesDigest is computed over the same text as before, so manifests are
-- unchanged, and runs written by schema 1 keep their rows in `entities` and verify as before.

CREATE TABLE entity_blobs (
  id   INTEGER PRIMARY KEY,
  hash TEXT    NOT NULL UNIQUE, -- sha256Hex(json)
  kind TEXT    NOT NULL,
  key  TEXT    NOT NULL,
  json TEXT    NOT NULL         -- canonical JSON of the validated entity
);

CREATE TABLE entity_sets (
  id           INTEGER PRIMARY KEY,
  hash         TEXT    NOT NULL UNIQUE, -- sha256Hex('[' || members' json in (kind, key) order, comma-joined || ']')
  entity_count INTEGER NOT NULL
);

-- Members in (kind, key) order; `ordinal` counts from 0, so a set reads back in hash order without a sort.
CREATE TABLE entity_set_members (
  set_id    INTEGER NOT NULL REFERENCES entity_sets (id),
  ordinal   INTEGER NOT NULL,
  entity_id INTEGER NOT NULL REFERENCES entity_blobs (id),
  PRIMARY KEY (set_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE run_entity_sets (
  run_id    INTEGER NOT NULL REFERENCES runs (id),
  connector TEXT    NOT NULL,
  instance  TEXT    NOT NULL,
  stream    TEXT    NOT NULL,
  set_id    INTEGER NOT NULL REFERENCES entity_sets (id),
  PRIMARY KEY (run_id, instance, stream)
) WITHOUT ROWID;

-- What a running (or interrupted) run has collected so far. The key is the rule of model.ts: a key
-- is unique per (instance, kind) within a run, across the instance's streams.
CREATE TABLE pending_entities (
  run_id    INTEGER NOT NULL REFERENCES runs (id),
  instance  TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  key       TEXT    NOT NULL,
  connector TEXT    NOT NULL,
  stream    TEXT    NOT NULL,
  entity_id INTEGER NOT NULL REFERENCES entity_blobs (id),
  PRIMARY KEY (run_id, instance, kind, key)
) WITHOUT ROWID;

CREATE TRIGGER append_only_entity_blobs_update BEFORE UPDATE ON entity_blobs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stored entities cannot be changed'); END;
CREATE TRIGGER append_only_entity_blobs_delete BEFORE DELETE ON entity_blobs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stored entities cannot be deleted'); END;
CREATE TRIGGER append_only_entity_sets_update BEFORE UPDATE ON entity_sets
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entity sets cannot be changed'); END;
CREATE TRIGGER append_only_entity_sets_delete BEFORE DELETE ON entity_sets
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entity sets cannot be deleted'); END;
CREATE TRIGGER append_only_entity_set_members_update BEFORE UPDATE ON entity_set_members
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entity sets cannot be changed'); END;
CREATE TRIGGER append_only_entity_set_members_delete BEFORE DELETE ON entity_set_members
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entity sets cannot be changed'); END;
CREATE TRIGGER append_only_run_entity_sets_update BEFORE UPDATE ON run_entity_sets
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a run''s entities cannot be changed'); END;
CREATE TRIGGER append_only_run_entity_sets_delete BEFORE DELETE ON run_entity_sets
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a run''s entities cannot be deleted'); END;
CREATE TRIGGER append_only_pending_entities_update BEFORE UPDATE ON pending_entities
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entities cannot be changed'); END;
-- Pending rows go only while their run is still running, i.e. inside the transaction that seals it;
-- an interrupted run keeps them.
CREATE TRIGGER append_only_pending_entities_delete BEFORE DELETE ON pending_entities
WHEN (SELECT status FROM runs WHERE id = OLD.run_id) IS NOT 'running'
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entities of a finished run cannot be deleted'); END;
