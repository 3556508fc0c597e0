-- One collection per organisation at a time, across processes (the daemon, a hand-run `collect`,
-- cron, a second daemon on the same store). A row is a lease: the process that holds it renews
-- `expires_at` while its run collects, seals and evaluates, and deletes the row when it ends.
-- A row whose process can be probed (same host, PID namespace and boot) is taken over when that
-- process is gone and never while it runs; any other row once its lease expired (see
-- src/store/run-lock.ts).
--
-- Not evidence: no manifest, export or `verify` reads this table, and rows are updated and deleted
-- (so, unlike the evidence tables, it has no append-only triggers).

CREATE TABLE run_locks (
  org                TEXT    PRIMARY KEY,
  holder_id          TEXT    NOT NULL, -- random per acquisition: renew and release touch only the holder's own row
  pid                INTEGER NOT NULL,
  hostname           TEXT    NOT NULL,
  process_started_at INTEGER NOT NULL, -- ms since epoch; tells a restarted container's pid 1 from the old one
  pid_namespace      TEXT,             -- e.g. 'pid:[4026531836]'; NULL where unknown. Containers sharing a hostname
                                       -- (docker --network=host) each have their own: their pids cannot be probed
  boot_id            TEXT,             -- /proc/sys/kernel/random/boot_id; NULL where unknown
  command            TEXT    NOT NULL, -- e.g. 'evidentia daemon', for the message another process shows
  acquired_at        TEXT    NOT NULL,
  heartbeat_at       TEXT    NOT NULL,
  expires_at         TEXT    NOT NULL
) WITHOUT ROWID;
