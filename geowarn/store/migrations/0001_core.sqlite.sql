-- geowarn store, SQLite: events and their versions, corridors, zones, raw inputs, artifacts, tokens.
-- Times are ISO 8601 UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (sortable); geometry is GeoJSON text
-- plus bbox columns minx..maxy for bbox filters. One statement per ';' at the end of a line.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  version INTEGER NOT NULL,
  window_start TEXT,
  window_end TEXT
);
CREATE INDEX events_updated ON events (updated);
CREATE TABLE event_versions (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  updated TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  corridor_count INTEGER NOT NULL,
  zone_count INTEGER NOT NULL,
  PRIMARY KEY (event_id, version)
);
CREATE TABLE corridors (
  event_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  id TEXT NOT NULL,
  phase TEXT NOT NULL,
  window_start TEXT,
  window_end TEXT,
  geom TEXT,
  minx REAL, miny REAL, maxx REAL, maxy REAL,
  feature TEXT NOT NULL,
  PRIMARY KEY (event_id, version, id),
  FOREIGN KEY (event_id, version) REFERENCES event_versions (event_id, version)
);
CREATE INDEX corridors_bbox ON corridors (minx, maxx, miny, maxy);
CREATE TABLE zones (
  event_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  id TEXT NOT NULL,
  corridor_id TEXT NOT NULL,
  layer TEXT NOT NULL,
  region_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  window_start TEXT,
  window_end TEXT,
  geom TEXT,
  minx REAL, miny REAL, maxx REAL, maxy REAL,
  feature TEXT NOT NULL,
  PRIMARY KEY (event_id, version, id),
  FOREIGN KEY (event_id, version) REFERENCES event_versions (event_id, version)
);
CREATE INDEX zones_region ON zones (region_id);
CREATE INDEX zones_id ON zones (id);
CREATE INDEX zones_bbox ON zones (minx, maxx, miny, maxy);
CREATE TABLE raw_inputs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  format TEXT NOT NULL,
  name TEXT NOT NULL,
  text TEXT NOT NULL,
  received TEXT NOT NULL
);
CREATE TABLE artifacts (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  media_type TEXT NOT NULL,
  body BLOB NOT NULL,
  etag TEXT NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY (event_id, version, kind)
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  created TEXT NOT NULL,
  last_used TEXT,
  revoked TEXT
);
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('generation', 0);
