/* geowarn live updates (issue 13): follow /events/stream and refresh this page when a change concerns it.
 *
 * base.html loads this file on the dashboard, event and region pages with
 *   data-live-topic   what the page shows ("*", "event:<id>", "region:<id>"),
 *   data-live-since   the store generation the page was rendered at (the stream replays what came after),
 *   data-live-updated the sentence announced to screen readers after a refresh (in the page's language).
 * On a change it fetches the page's own URL (plus ?live=<seq>, past any cache) and replaces the children of
 * <main id="main"> that the server changed (the others, with their listeners and what the reader did in
 * them, stay; a kept map iframe is reloaded), keeps the open/closed state of <details id=…>, and fires
 * "geowarn:updated" on document so that geowarn.js binds the new elements.
 *   data-live-retry   the server's SSE retry: in ms (GEOWARN_LIVE_RETRY_S), the back-off's base until a
 *                     stream's "ready" says its own.
 * Reconnection is this script's, not EventSource's fixed retry: whenever a stream fails or ends it is
 * closed and opened again (with last_event_id) after a delay drawn with "full jitter" — uniform in
 * [0, min(cap, base * 2^n)) for the n-th failure in a row, cap 60 s — so a crowd of pages does not come
 * back in step after a restart; a stream that said "ready" resets n. window.geowarnLive exposes the
 * attempts (tests count them). No library, no CDN.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.liveTopic || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var topic = script.dataset.liveTopic;
  var lastId = script.dataset.liveSince || "";
  var updatedText = script.dataset.liveUpdated || "Page updated";
  var root = document.documentElement;
  var status = document.createElement("div");
  var source = null;
  var busy = false;
  var again = false;
  var retryTimer = null;
  var CAP_MS = 60000;
  var baseMs = parseInt(script.dataset.liveRetry, 10) > 0 ? parseInt(script.dataset.liveRetry, 10) : 1000;
  var failures = 0; // failed or ended streams since the last "ready"
  var live = window.geowarnLive = { attempts: 0, opened: 0, failures: 0, base: baseMs, delays: [], starts: [] };

  status.id = "live-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");
  // visually hidden, still read by screen readers
  status.style.cssText = "position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;" +
    "clip:rect(0 0 0 0);white-space:nowrap;border:0";
  document.body.appendChild(status);

  function streamUrl() {
    var url = "/events/stream?topic=" + encodeURIComponent(topic);
    return lastId ? url + "&last_event_id=" + encodeURIComponent(lastId) : url;
  }

  function remember(e) {
    if (e.lastEventId) {
      lastId = e.lastEventId;
    }
  }

  // full jitter: a uniform delay below the exponential ceiling (the ceiling is kept for tests to check)
  function scheduleReconnect() {
    var ceiling = Math.min(CAP_MS, baseMs * Math.pow(2, Math.min(failures, 30)));
    var delay = Math.floor(Math.random() * ceiling);
    failures += 1;
    live.failures = failures;
    live.delays.push({ ceiling: ceiling, delay: delay, at: performance.now() });
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function connect() {
    retryTimer = null;
    live.attempts += 1;
    live.starts.push(performance.now());
    root.setAttribute("data-live-attempts", String(live.attempts));
    source = new EventSource(streamUrl());
    source.addEventListener("ready", function (e) {
      remember(e);
      var said = {};
      try {
        said = JSON.parse(e.data);
      } catch (err) {
        said = {};
      }
      if (said.retry_ms > 0) {
        baseMs = said.retry_ms;
        live.base = baseMs;
      }
      failures = 0; // a successful open: the next failure starts from the base again
      live.failures = 0;
      live.opened += 1;
      root.setAttribute("data-live", "on");
    });
    source.addEventListener("change", function (e) {
      remember(e);
      var change = {};
      try {
        change = JSON.parse(e.data);
      } catch (err) {
        change = {};
      }
      refresh(change);
    });
    source.addEventListener("reset", function () {
      window.location.reload();
    });
    source.onerror = function () {
      // refused (4xx/5xx, no server) or ended: close it (no EventSource auto-retry) and come back later
      if (source) {
        source.close();
        source = null;
      }
      root.setAttribute("data-live", "reconnecting");
      scheduleReconnect();
    };
  }

  function reloadFrames(node) {
    var frames = node.tagName === "IFRAME" ? [node] : node.querySelectorAll("iframe[src]");
    Array.prototype.forEach.call(frames, function (f) {
      f.setAttribute("src", f.getAttribute("src"));
    });
  }

  // the children of <main> as the server last sent them (null until the first refresh): a part the
  // server did not change stays as it is, with whatever the reader or another script did to it
  var served = null;

  function swap(main, fresh) {
    var open = {};
    Array.prototype.forEach.call(main.querySelectorAll("details[id]"), function (d) {
      open[d.id] = d.open;
    });
    var oldKids = Array.prototype.slice.call(main.children);
    var newKids = Array.prototype.slice.call(fresh.children);
    var before = served && served.length === oldKids.length ? served : oldKids;
    if (oldKids.length === newKids.length) {
      newKids.forEach(function (node, i) {
        if (before[i].isEqualNode(node)) {
          reloadFrames(oldKids[i]);
        } else {
          main.replaceChild(document.importNode(node, true), oldKids[i]);
        }
      });
    } else {
      main.replaceChildren.apply(main, newKids.map(function (node) {
        return document.importNode(node, true);
      }));
    }
    served = newKids.map(function (node) {
      return node.cloneNode(true);
    });
    Object.keys(open).forEach(function (id) {
      var d = document.getElementById(id);
      if (d && d.tagName === "DETAILS") {
        d.open = open[id];
      }
    });
  }

  function refresh(change) {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    // ?live=<seq>: a URL no cache has seen before this change (a caching proxy keeps pages ~1 s), the same
    // for every open page, so a proxy still fetches each page once per change for the whole crowd
    var url = new URL(window.location.href);
    url.hash = "";
    url.searchParams.set("live", String(change.seq || lastId));
    fetch(url.toString(), { headers: { "Accept": "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        var main = document.getElementById("main");
        if (!fresh || !main) {
          return;
        }
        swap(main, fresh);
        if (doc.title) {
          document.title = doc.title;
        }
        root.setAttribute("data-live-seq", String(change.seq || lastId));
        status.textContent = "";
        status.textContent = updatedText;
        document.dispatchEvent(new CustomEvent("geowarn:updated", { detail: change }));
      })
      .catch(function () {
        /* keep the page as it is: the next change tries again */
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh(change);
        }
      });
  }

  connect();
})();
