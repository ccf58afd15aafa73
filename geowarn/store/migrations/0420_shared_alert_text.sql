-- What one event version sends the same way to many subscribers is stored once (issue 16: one event,
-- 100,000 subscribers wrote ~1 GB of CAP bodies and ~500 MB of identical zones JSON). `alert_texts`
-- holds content-addressed text (sha256 hex → bytes, written with INSERT … ON CONFLICT DO NOTHING):
-- a CAP body whose subscription id is a placeholder (geowarn/store/alerts.py SUBSCRIBER_MARK) and the
-- zones JSON of a state. A message with `body_ref` keeps an empty `body`: its CAP is the shared text
-- with the placeholder replaced by its subscription id, byte for byte what was built for it. A state
-- with `zones_ref` keeps `zones` NULL. Rows written before keep their own text (refs NULL) and read
-- back as they did. The refs carry no foreign key (a per-row check of 100,000 rows against one
-- text row); texts are never deleted. One statement per ';'.
CREATE TABLE alert_texts (
  digest TEXT PRIMARY KEY,
  content {BLOB} NOT NULL
);
ALTER TABLE alert_messages ADD COLUMN body_ref TEXT;
ALTER TABLE alert_state ADD COLUMN zones_ref TEXT;
-- dialect: postgis
ALTER TABLE alert_texts ALTER COLUMN content SET COMPRESSION lz4;
-- dialect: all
