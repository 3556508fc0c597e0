-- A send cut short because the daemon was stopping (SIGTERM, bounded by alerts.stopTimeout) is
-- neither a success nor the receiver's failure: the receiver may or may not have got the message.
-- It is recorded as a failed attempt marked interrupted, and the message stays due, so the next
-- start sends it again under the same delivery id (the receiver drops the repeat by that id).
ALTER TABLE alert_attempts ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1));
