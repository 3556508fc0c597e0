-- A run's process is probed (is it still alive?) only from a process in the same PID namespace of
-- the same boot: containers sharing the host's hostname (docker --network=host) each have their own
-- PID namespace, usually with the daemon as pid 1, so "same hostname" no longer means "same pids".
-- NULL where unknown (not Linux, and every run begun before this migration): such a run's process
-- is never probed; it counts as abandoned only by age, as a run from another host does.
-- Process bookkeeping, not evidence: no manifest, export or `verify` reads these columns.
ALTER TABLE runs ADD COLUMN pid_namespace TEXT;
ALTER TABLE runs ADD COLUMN boot_id TEXT;
