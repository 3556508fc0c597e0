-- Alert state and outbox (src/alert). Unlike evidence these rows change: a finding opens, is
-- reminded, resolves; a message is attempted until delivered. They hold no secrets: channel
-- names, never webhook URLs or keys; errors are scrubbed of secret values before they are written.

CREATE TABLE alert_findings (
  id              TEXT    PRIMARY KEY,          -- sha256 of (org, type, rule, subject): stable across runs
  org             TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  rule            TEXT,
  subject         TEXT    NOT NULL,
  label           TEXT    NOT NULL,
  scope           TEXT    NOT NULL,
  severity        TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  detail          TEXT    NOT NULL,
  state           TEXT    NOT NULL CHECK (state IN ('open', 'resolved')),
  first_seen_at   TEXT    NOT NULL,
  last_seen_at    TEXT    NOT NULL,
  last_alerted_at TEXT,
  resolved_at     TEXT,
  last_run_id     INTEGER
);
CREATE INDEX alert_findings_org_state ON alert_findings (org, state);

CREATE TABLE alert_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id     TEXT    NOT NULL UNIQUE,
  finding_id      TEXT,
  org             TEXT    NOT NULL,
  kind            TEXT    NOT NULL CHECK (kind IN ('alert', 'reminder', 'resolved', 'digest', 'test')),
  channel         TEXT    NOT NULL,
  severity        TEXT    NOT NULL,
  mode            TEXT    NOT NULL CHECK (mode IN ('single', 'digest')),
  message_json    TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT    NOT NULL,
  lease_until     TEXT,
  delivered_at    TEXT,
  last_error      TEXT,
  gave_up_at      TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (delivered_at, gave_up_at, next_attempt_at);

CREATE TABLE alert_attempts (
  outbox_id INTEGER NOT NULL REFERENCES alert_outbox (id),
  attempt   INTEGER NOT NULL,
  at        TEXT    NOT NULL,
  ok        INTEGER NOT NULL CHECK (ok IN (0, 1)),
  error     TEXT,
  PRIMARY KEY (outbox_id, attempt)
);
