-- Retention (issue #5): raw page bodies may be pruned once no recent run uses them. The hash,
-- size and every manifest stay, so `verify` still proves what was collected; only the bytes go.
-- The schema-1 trigger refused every update of blobs; this one allows exactly the prune: a stored
-- body becomes NULL and pruned_at is set, hash and size unchanged. Nothing else, and never back.
DROP TRIGGER append_only_blobs_update;
CREATE TRIGGER append_only_blobs_update BEFORE UPDATE ON blobs
WHEN NOT (
  OLD.body IS NOT NULL AND OLD.pruned_at IS NULL
  AND NEW.body IS NULL AND NEW.pruned_at IS NOT NULL
  AND NEW.hash = OLD.hash AND NEW.size = OLD.size
)
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a stored body can only be pruned (body removed, hash and size kept), never changed or restored'); END;

-- Retention asks "which blobs are used only by old runs"; this finds a blob's runs without a scan.
CREATE INDEX pages_blob_run ON pages (blob_hash, run_id);
