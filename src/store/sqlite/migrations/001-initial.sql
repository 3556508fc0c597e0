-- Evidentia evidence store, schema 1.
-- Append-only: the triggers at the end refuse updates and deletes of evidence, so a bug in our own
-- code cannot rewrite history. They do not stop someone with write access to the file (they can
-- drop a trigger); `evidentia verify` and the manifest chain detect that.
-- Text columns use SQLite's default BINARY collation, so ORDER BY is byte order and every digest
-- computed from an ordered query is the same on every machine.

CREATE TABLE runs (
  id                     INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a run id is never reused
  org                    TEXT    NOT NULL,
  status                 TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed', 'interrupted')),
  trigger                TEXT    NOT NULL,
  started_at             TEXT    NOT NULL,
  finished_at            TEXT,
  tool_version           TEXT    NOT NULL,
  config_digest          TEXT    NOT NULL,
  -- Who runs it, so another process can tell an abandoned run from a live one.
  pid                    INTEGER NOT NULL,
  hostname               TEXT    NOT NULL,
  process_started_at     INTEGER NOT NULL, -- ms since epoch; tells a restarted process that reuses the pid apart
  -- Set once, when the run is sealed (complete, partial or failed).
  seal_seq               INTEGER UNIQUE,   -- order in which runs were sealed: the chain order
  manifest_json          TEXT,
  manifest_hash          TEXT UNIQUE,
  previous_manifest_hash TEXT
);
CREATE INDEX runs_org_seal ON runs (org, seal_seq);
CREATE INDEX runs_status ON runs (status);

-- Raw response bodies, stored once per SHA-256 of their bytes across all runs.
-- `body` is nullable and `pruned_at` exists so retention (issue #5) can drop old bodies later while
-- keeping the hash every manifest points at; until then nothing sets them.
CREATE TABLE blobs (
  hash      TEXT    PRIMARY KEY,
  body      BLOB,
  size      INTEGER NOT NULL,
  pruned_at TEXT
);

CREATE TABLE pages (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs (id),
  connector    TEXT    NOT NULL,
  instance     TEXT    NOT NULL,
  stream       TEXT    NOT NULL,
  seq          INTEGER NOT NULL,
  method       TEXT    NOT NULL,
  url          TEXT    NOT NULL,
  status       INTEGER NOT NULL,
  content_type TEXT,   -- a property of the response, not of the bytes, so it lives here, not on blobs
  received_at  TEXT    NOT NULL,
  blob_hash    TEXT    NOT NULL REFERENCES blobs (hash),
  UNIQUE (run_id, instance, stream, seq)
);
CREATE INDEX pages_blob ON pages (blob_hash);

CREATE TABLE entities (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs (id),
  connector TEXT    NOT NULL,
  instance  TEXT    NOT NULL,
  stream    TEXT    NOT NULL,
  kind      TEXT    NOT NULL,
  key       TEXT    NOT NULL,
  json      TEXT    NOT NULL, -- canonical JSON of the validated entity
  -- model.ts: a key is unique per (instance, kind); within one run that is enforced here.
  UNIQUE (run_id, instance, kind, key)
);
CREATE INDEX entities_digest_order ON entities (run_id, instance, stream, kind, key);

CREATE TABLE stream_outcomes (
  id        INTEGER PRIMARY KEY,
  run_id    INTEGER NOT NULL REFERENCES runs (id),
  connector TEXT    NOT NULL,
  instance  TEXT    NOT NULL,
  stream    TEXT    NOT NULL,
  json      TEXT    NOT NULL, -- canonical JSON of the validated outcome
  UNIQUE (run_id, instance, stream)
);

CREATE TABLE evaluations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id        INTEGER NOT NULL REFERENCES runs (id),
  evaluated_at  TEXT    NOT NULL,
  params_digest TEXT    NOT NULL,
  results_json  TEXT    NOT NULL, -- canonical JSON of the validated results
  results_hash  TEXT    NOT NULL
);
CREATE INDEX evaluations_run ON evaluations (run_id, id);

-- Append-only guards. A run row may change only while it is `running` (to be sealed or interrupted).
CREATE TRIGGER append_only_runs_update BEFORE UPDATE ON runs WHEN OLD.status <> 'running'
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a finished run cannot be changed'); END;
CREATE TRIGGER append_only_runs_delete BEFORE DELETE ON runs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: runs cannot be deleted'); END;
CREATE TRIGGER append_only_blobs_update BEFORE UPDATE ON blobs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stored bodies cannot be changed'); END;
CREATE TRIGGER append_only_blobs_delete BEFORE DELETE ON blobs
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stored bodies cannot be deleted'); END;
CREATE TRIGGER append_only_pages_update BEFORE UPDATE ON pages
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: pages cannot be changed'); END;
CREATE TRIGGER append_only_pages_delete BEFORE DELETE ON pages
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: pages cannot be deleted'); END;
CREATE TRIGGER append_only_entities_update BEFORE UPDATE ON entities
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entities cannot be changed'); END;
CREATE TRIGGER append_only_entities_delete BEFORE DELETE ON entities
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: entities cannot be deleted'); END;
CREATE TRIGGER append_only_outcomes_update BEFORE UPDATE ON stream_outcomes
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stream outcomes cannot be changed'); END;
CREATE TRIGGER append_only_outcomes_delete BEFORE DELETE ON stream_outcomes
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: stream outcomes cannot be deleted'); END;
CREATE TRIGGER append_only_evaluations_update BEFORE UPDATE ON evaluations
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: evaluations cannot be changed'); END;
CREATE TRIGGER append_only_evaluations_delete BEFORE DELETE ON evaluations
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: evaluations cannot be deleted'); END;
