/* geowarn operator: draw or correct corridors with Leaflet-Geoman; the map and the vertex text stay in sync.
 *
 * The textarea #drawn is what the form submits (the server parses and validates it: geowarn.drawn).
 * Text format: one "lat lon" line per vertex, a blank line between shapes; an optional first line
 * "polygon", "circle RADIUS_M" or "line WIDTH_M", followed by key=value words (phase=, id=, corrects=).
 */
(function () {
  "use strict";
  var box = document.getElementById("draw-editor");
  if (!box || typeof L === "undefined" || !L.PM) { return; }
  var area = document.getElementById("drawn");
  var status = document.getElementById("draw-status");
  var widthInput = document.getElementById("line-width");
  var modeDraw = document.getElementById("mode-draw");
  var map = L.map("draw-map", { worldCopyJump: false, minZoom: 1 }).setView([30, 127], 4);
  var group = L.featureGroup().addTo(map);
  var NUM = /^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*[,;\s]\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*$/;

  // A graticule for orientation (the map has no tiles: offline by design).
  for (var lat = -80; lat <= 80; lat += 10) {
    L.polyline([[lat, -180], [lat, 540]], { color: "#999", weight: 0.5, interactive: false, pmIgnore: true }).addTo(map);
  }
  for (var lon = -180; lon <= 540; lon += 10) {
    L.polyline([[-85, lon], [85, lon]], { color: "#999", weight: 0.5, interactive: false, pmIgnore: true }).addTo(map);
  }

  // texts in the page's language (data-* of #draw-editor, from geowarn.i18n); {name} placeholders
  function text(key, values) {
    var t = box.getAttribute("data-" + key) || "";
    Object.keys(values).forEach(function (k) { t = t.split("{" + k + "}").join(values[k]); });
    return t;
  }
  if (document.documentElement.lang && document.documentElement.lang !== "en") {
    map.pm.setLang(document.documentElement.lang);  // Geoman's own translation of its toolbar
  }

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "draw-status bad" : "draw-status";
  }

  function fmt(x) { return (Math.round(x * 1e6) / 1e6).toFixed(6); }

  function parse(text) {
    var shapes = [];
    var blocks = text.split(/\n\s*\n/);
    for (var b = 0; b < blocks.length; b++) {
      var lines = blocks[b].split("\n").map(function (s) { return s.trim(); })
        .filter(function (s) { return s && s.charAt(0) !== "#"; });
      if (!lines.length) { continue; }
      var shape = { kind: "polygon", size: null, words: [], points: [] };
      var head = lines[0].split(/\s+/);
      var kind = head[0].toLowerCase();
      if (kind === "polygon" || kind === "circle" || kind === "line") {
        shape.kind = kind;
        var rest = head.slice(1);
        if (kind !== "polygon") {
          shape.size = parseFloat(rest.shift());
          if (!(shape.size > 0)) { throw new Error(text("needs-size", { kind: kind })); }
        }
        shape.words = rest;
        lines = lines.slice(1);
      }
      for (var i = 0; i < lines.length; i++) {
        var m = NUM.exec(lines[i]);
        if (!m) { throw new Error(text("expected", { line: lines[i] })); }
        shape.points.push([parseFloat(m[1]), parseFloat(m[2])]);
      }
      shapes.push(shape);
    }
    return shapes;
  }

  function attach(layer) {
    layer.on("pm:edit pm:dragend pm:cut", function () { toText(); });
  }

  function toMap(shapes) {
    group.clearLayers();
    shapes.forEach(function (s) {
      var layer;
      if (s.kind === "circle") {
        layer = L.circle(s.points[0], { radius: s.size });
      } else if (s.kind === "line") {
        layer = L.polyline(s.points, { weight: 4 });
      } else {
        layer = L.polygon(s.points);
      }
      layer.gw = { kind: s.kind, size: s.size, words: s.words };
      group.addLayer(layer);
      attach(layer);
    });
  }

  function toText() {
    var blocks = [];
    group.eachLayer(function (layer) {
      var gw = layer.gw || { kind: "polygon", size: null, words: [] };
      var head = gw.kind + (gw.size ? " " + gw.size : "") + (gw.words.length ? " " + gw.words.join(" ") : "");
      var pts;
      if (gw.kind === "circle") {
        gw.size = Math.round(layer.getRadius());
        head = "circle " + gw.size + (gw.words.length ? " " + gw.words.join(" ") : "");
        pts = [layer.getLatLng()];
      } else if (gw.kind === "line") {
        pts = layer.getLatLngs();
      } else {
        pts = layer.getLatLngs()[0];
      }
      blocks.push([head].concat(pts.map(function (p) { return fmt(p.lat) + " " + fmt(p.lng); })).join("\n"));
    });
    area.value = blocks.join("\n\n");
    say(text("shapes", { n: group.getLayers().length }), false);
  }

  function fromText() {
    try {
      var shapes = parse(area.value);
      toMap(shapes);
      say(text("shapes", { n: shapes.length }), false);
      return shapes.length;
    } catch (err) {
      say(err.message, true);
      return 0;
    }
  }

  map.pm.addControls({
    position: "topleft",
    drawMarker: false,
    drawCircleMarker: false,
    drawText: false,
    cutPolygon: false,
    rotateMode: false
  });
  map.pm.setGlobalOptions({ snappable: false });

  map.on("pm:create", function (e) {
    var kind = e.shape === "Circle" ? "circle" : (e.shape === "Line" ? "line" : "polygon");
    var size = null;
    if (kind === "line") { size = Math.max(1, Math.round(parseFloat(widthInput.value) || 18520)); }
    e.layer.gw = { kind: kind, size: size, words: [] };
    group.addLayer(e.layer);
    attach(e.layer);
    if (modeDraw) { modeDraw.checked = true; }
    toText();
  });
  map.on("pm:remove", function (e) {
    group.removeLayer(e.layer);
    toText();
  });
  area.addEventListener("change", function () {
    if (fromText() && modeDraw) { modeDraw.checked = true; }
  });

  if (area.value.trim() && fromText()) {
    map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 8 });
  }
  box.setAttribute("data-ready", "1");
}());
