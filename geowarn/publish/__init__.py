"""Published artifacts: CAP, Atom, GeoJSON, KML and the offline map, with their vendored assets."""
