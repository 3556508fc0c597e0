-- Retention (issue #5): raw page bodies may be pruned once no recent run uses them. The hash,
-- size and every manifest stay, so `verify` still proves what was collected; only the bytes go.
-- The schema-1 trigger refused every update of blobs; this one allows exactly two changes, hash and
-- size unchanged:
--  * the prune: a stored body becomes NULL and pruned_at is set;
--  * a new run receiving the very same bytes again (bodies are deduplicated by hash, so its page
--    points at the pruned row): the store puts the bytes back, because a current run must never
--    rest on a body that is gone. The store hashes the bytes itself before; anyone writing other
--    bytes of the same length by hand is caught by `verify`, which re-hashes every body.
DROP TRIGGER append_only_blobs_update;
CREATE TRIGGER append_only_blobs_update BEFORE UPDATE ON blobs
WHEN NOT (
  NEW.hash = OLD.hash AND NEW.size = OLD.size AND (
    (OLD.body IS NOT NULL AND OLD.pruned_at IS NULL AND NEW.body IS NULL AND NEW.pruned_at IS NOT NULL)
    OR (OLD.body IS NULL AND OLD.pruned_at IS NOT NULL AND NEW.body IS NOT NULL AND NEW.pruned_at IS NULL AND length(NEW.body) = OLD.size)
  )
)
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a stored body can only be pruned (body removed, hash and size kept) or stored again with its own bytes'); END;

-- Retention asks "which blobs are used only by old runs"; this finds a blob's runs without a scan.
CREATE INDEX pages_blob_run ON pages (blob_hash, run_id);
