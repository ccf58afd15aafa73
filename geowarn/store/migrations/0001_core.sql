-- geowarn store: events and their versions, corridors, zones, raw inputs, artifacts, tokens.
-- Written once for both backends; {TYPE} placeholders are expanded per dialect (geowarn/store/schema.py):
-- SQLite keeps times as ISO 8601 UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (sortable) and geometry as GeoJSON
-- text; PostGIS uses timestamptz and geometry(Geometry, 4326) under GiST indexes. Both keep the bbox columns
-- minx..maxy. One statement per ';' at the end of a line.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  created {TIME} NOT NULL,
  updated {TIME} NOT NULL,
  version INTEGER NOT NULL,
  window_start {TIME},
  window_end {TIME}
);
CREATE INDEX events_updated ON events (updated);
CREATE TABLE event_versions (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  updated {TIME} NOT NULL,
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
  window_start {TIME},
  window_end {TIME},
  geom {GEOM},
  minx {REAL}, miny {REAL}, maxx {REAL}, maxy {REAL},
  feature TEXT NOT NULL,
  PRIMARY KEY (event_id, version, id),
  FOREIGN KEY (event_id, version) REFERENCES event_versions (event_id, version)
);
-- dialect: sqlite
CREATE INDEX corridors_bbox ON corridors (minx, maxx, miny, maxy);
-- dialect: postgis
CREATE INDEX corridors_geom ON corridors USING GIST (geom);
-- dialect: all
CREATE TABLE zones (
  event_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  id TEXT NOT NULL,
  corridor_id TEXT NOT NULL,
  layer TEXT NOT NULL,
  region_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  window_start {TIME},
  window_end {TIME},
  geom {GEOM},
  minx {REAL}, miny {REAL}, maxx {REAL}, maxy {REAL},
  feature TEXT NOT NULL,
  PRIMARY KEY (event_id, version, id),
  FOREIGN KEY (event_id, version) REFERENCES event_versions (event_id, version)
);
CREATE INDEX zones_region ON zones (region_id);
CREATE INDEX zones_id ON zones (id);
-- dialect: sqlite
CREATE INDEX zones_bbox ON zones (minx, maxx, miny, maxy);
-- dialect: postgis
CREATE INDEX zones_geom ON zones USING GIST (geom);
-- dialect: all
CREATE TABLE raw_inputs (
  id {SERIAL},
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  format TEXT NOT NULL,
  name TEXT NOT NULL,
  text TEXT NOT NULL,
  received {TIME} NOT NULL
);
CREATE TABLE artifacts (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  media_type TEXT NOT NULL,
  body {BLOB} NOT NULL,
  etag TEXT NOT NULL,
  created {TIME} NOT NULL,
  PRIMARY KEY (event_id, version, kind)
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  created {TIME} NOT NULL,
  last_used {TIME},
  revoked {TIME}
);
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value {BIGINT} NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('generation', 0);
