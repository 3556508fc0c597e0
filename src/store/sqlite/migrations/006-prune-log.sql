-- Retention's own record (issue #5). Schema 5 let a body be pruned, but `verify` could not tell a
-- retention prune from someone with write access blanking a recent page: both look like "pruned".
-- Every prune now writes one row here, in the same transaction, with the cutoff it used; `verify`
-- accepts a missing body only where a recorded prune covers it (every run using the body started
-- before that prune's cutoff) and names the cutoffs, so an auditor sees how far back bodies go.
CREATE TABLE prune_log (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  cutoff    TEXT    NOT NULL, -- bodies used only by runs started before this were pruned
  pruned_at TEXT    NOT NULL, -- equals blobs.pruned_at of every body this prune removed
  blobs     INTEGER NOT NULL,
  bytes     INTEGER NOT NULL
);
CREATE INDEX prune_log_at ON prune_log (pruned_at);

CREATE TRIGGER append_only_prune_log_update BEFORE UPDATE ON prune_log
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: the retention log cannot be changed'); END;
CREATE TRIGGER append_only_prune_log_delete BEFORE DELETE ON prune_log
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: the retention log cannot be changed'); END;
