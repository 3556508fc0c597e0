-- Incremental collection (issue #5): a run is `full` or `incremental`, and a stream may leave a
-- checkpoint (the Graph delta link of the m365 users stream) that the next incremental run resumes.
--
-- A checkpoint is written while its run collects, once its stream has read everything, but it is
-- only *used* once its run is sealed: `latest checkpoint` reads sealed runs only, so an interrupted
-- run (never sealed) or a stream that failed (never written) leaves the previous link in force.
-- `base_run_id` names the sealed run whose entity set this run's stream was derived from (null when
-- the stream was read in full); the manifest lists it, so an auditor can tell a derived set (base
-- run's set + this run's raw delta pages) from a full read.
-- The checkpoint holds a vendor link that resumes a read; it is not a credential, but it is never
-- logged in full and never exported.

ALTER TABLE runs ADD COLUMN mode TEXT NOT NULL DEFAULT 'full' CHECK (mode IN ('full', 'incremental'));

CREATE TABLE stream_checkpoints (
  run_id      INTEGER NOT NULL REFERENCES runs (id),
  connector   TEXT    NOT NULL,
  instance    TEXT    NOT NULL,
  stream      TEXT    NOT NULL,
  json        TEXT    NOT NULL, -- canonical JSON of the connector's checkpoint
  recorded_at TEXT    NOT NULL,
  base_run_id INTEGER REFERENCES runs (id),
  PRIMARY KEY (run_id, instance, stream)
) WITHOUT ROWID;

CREATE INDEX stream_checkpoints_stream ON stream_checkpoints (instance, stream);

CREATE TRIGGER append_only_stream_checkpoints_update BEFORE UPDATE ON stream_checkpoints
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a checkpoint cannot be changed'); END;
CREATE TRIGGER append_only_stream_checkpoints_delete BEFORE DELETE ON stream_checkpoints
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a checkpoint cannot be deleted'); END;
