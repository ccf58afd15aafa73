-- geowarn store, PostgreSQL + PostGIS: the same tables as SQLite, with timestamptz times and
-- geometry(Geometry, 4326) columns under GiST indexes (bbox columns kept for parity).
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  created TIMESTAMPTZ NOT NULL,
  updated TIMESTAMPTZ NOT NULL,
  version INTEGER NOT NULL,
  window_start TIMESTAMPTZ,
  window_end TIMESTAMPTZ
);
CREATE INDEX events_updated ON events (updated);
CREATE TABLE event_versions (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  updated TIMESTAMPTZ NOT NULL,
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
  window_start TIMESTAMPTZ,
  window_end TIMESTAMPTZ,
  geom geometry(Geometry, 4326),
  minx DOUBLE PRECISION, miny DOUBLE PRECISION, maxx DOUBLE PRECISION, maxy DOUBLE PRECISION,
  feature TEXT NOT NULL,
  PRIMARY KEY (event_id, version, id),
  FOREIGN KEY (event_id, version) REFERENCES event_versions (event_id, version)
);
CREATE INDEX corridors_geom ON corridors USING GIST (geom);
CREATE TABLE zones (
  event_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  id TEXT NOT NULL,
  corridor_id TEXT NOT NULL,
  layer TEXT NOT NULL,
  region_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  window_start TIMESTAMPTZ,
  window_end TIMESTAMPTZ,
  geom geometry(Geometry, 4326),
  minx DOUBLE PRECISION, miny DOUBLE PRECISION, maxx DOUBLE PRECISION, maxy DOUBLE PRECISION,
  feature TEXT NOT NULL,
  PRIMARY KEY (event_id, version, id),
  FOREIGN KEY (event_id, version) REFERENCES event_versions (event_id, version)
);
CREATE INDEX zones_geom ON zones USING GIST (geom);
CREATE INDEX zones_region ON zones (region_id);
CREATE INDEX zones_id ON zones (id);
CREATE TABLE raw_inputs (
  id BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  format TEXT NOT NULL,
  name TEXT NOT NULL,
  text TEXT NOT NULL,
  received TIMESTAMPTZ NOT NULL
);
CREATE TABLE artifacts (
  event_id TEXT NOT NULL REFERENCES events (id),
  version INTEGER NOT NULL,
  kind TEXT NOT NULL,
  media_type TEXT NOT NULL,
  body BYTEA NOT NULL,
  etag TEXT NOT NULL,
  created TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (event_id, version, kind)
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  created TIMESTAMPTZ NOT NULL,
  last_used TIMESTAMPTZ,
  revoked TIMESTAMPTZ
);
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('generation', 0);
