-- geowarn alerts: subscriptions, the per (event, subscription) CAP state, the messages, the outbox
-- (claimed under the SQLite write lock, or with FOR UPDATE SKIP LOCKED on PostgreSQL) and every delivery
-- attempt. {TYPE} placeholders are expanded per dialect (geowarn/store/schema.py). One statement per ';'.
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  selector TEXT NOT NULL,
  margin_km {REAL} NOT NULL DEFAULT 0,
  min_severity TEXT NOT NULL,
  phases TEXT NOT NULL,
  languages TEXT NOT NULL,
  channels TEXT NOT NULL,
  created {TIME} NOT NULL,
  active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE alert_state (
  event_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  status TEXT NOT NULL,
  seq INTEGER NOT NULL,
  summary TEXT NOT NULL,
  window_end {TIME},
  expires {TIME},
  zones TEXT,
  updated {TIME} NOT NULL,
  PRIMARY KEY (event_id, subscription_id)
);
CREATE INDEX alert_state_due ON alert_state (status, window_end);
CREATE TABLE alert_messages (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_version INTEGER NOT NULL,
  msg_type TEXT NOT NULL,
  response TEXT,
  reference TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  body {BLOB} NOT NULL,
  created {TIME} NOT NULL,
  UNIQUE (event_id, subscription_id, seq)
);
CREATE TABLE outbox (
  num {SERIAL},
  id TEXT NOT NULL UNIQUE,
  message_id TEXT NOT NULL REFERENCES alert_messages (id),
  subscription_id TEXT NOT NULL,
  channel_key TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt {TIME} NOT NULL,
  lease_owner TEXT,
  lease_until {TIME},
  last_error TEXT,
  created {TIME} NOT NULL,
  delivered {TIME}
);
CREATE INDEX outbox_due ON outbox (status, next_attempt);
CREATE INDEX outbox_channel ON outbox (channel_key, status, num);
CREATE TABLE delivery_attempts (
  id {SERIAL},
  outbox_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  worker TEXT NOT NULL,
  started {TIME} NOT NULL,
  finished {TIME} NOT NULL,
  ok INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT
);
CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id, attempt);
