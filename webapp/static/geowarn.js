/* geowarn pages: share button (copy link), "use my location" and the place search of the region page.
   Vanilla JS served by this server; it talks to nothing but this server (/api/affected, /api/places).
   Every text comes from the page (data-* attributes rendered from geowarn/i18n.py); every value from
   the API is set as text, never as HTML. */
(function () {
  'use strict';

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // ------------------------------------------------------------------ share (copy link)
  function initShare() {
    var btn = document.getElementById('share');
    var status = document.getElementById('share-status');
    if (!btn || !status || btn.getAttribute('data-ready')) { return; }
    btn.setAttribute('data-ready', '1');
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var url = window.location.href;
      function done() { status.textContent = btn.getAttribute('data-copied'); }
      function failed() { status.textContent = fill(btn.getAttribute('data-failed'), {url: url}); }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(done, failed);
      } else {
        failed();
      }
    });
  }

  // ------------------------------------------------------------------ point query
  function initPoint() {
    var box = document.getElementById('point');
    if (!box || box.getAttribute('data-ready')) { return; }
    box.setAttribute('data-ready', '1');
    var lang = box.getAttribute('data-lang') || 'en';
    var result = document.getElementById('point-result');
    var list = document.getElementById('place-results');
    var locate = document.getElementById('locate');
    var note = document.getElementById('locate-note');
    var form = document.getElementById('place-form');
    var input = document.getElementById('place-q');
    var t = function (name) { return box.getAttribute('data-' + name) || ''; };
    var severities = JSON.parse(box.getAttribute('data-severities') || '{}');

    function showVerdict(label, body, page, pageName) {
      result.textContent = '';
      result.className = 'point-result state-' + body.state;
      result.setAttribute('data-state', body.state);
      result.appendChild(el('p', 'point-headline', fill(t('at-text'), {place: label, verdict: body.headline})));
      // when: the daily schedule as daily, else the windows in local time with the zone named
      if (body.schedule) { result.appendChild(el('p', 'point-schedule', body.schedule)); }
      else if (body.window_text) { result.appendChild(el('p', 'point-window', fill(t('window'), {window: body.window_text}))); }
      var zones = body.zones.filter(function (z) { return z.state !== 'ended' && z.state !== 'cancelled'; });
      if (zones.length) {
        var ul = el('ul', 'point-zones');
        zones.slice(0, 6).forEach(function (z) {
          var region = lang === 'ja' ? (z.region_name_ja || z.region_name) : z.region_name;
          var when = z.window_text && z.window_text !== '—' ? ' · ' + z.window_text : '';
          ul.appendChild(el('li', null, z.event_name + ' · ' + region + ' · ' + (severities[z.severity] || z.severity) + when));
        });
        result.appendChild(ul);
      }
      if (page) {
        var p = el('p');
        var a = el('a', null, fill(t('region-page'), {region: pageName || page}));
        a.href = page + '?lang=' + encodeURIComponent(lang);
        p.appendChild(a);
        result.appendChild(p);
      }
    }

    function ask(query, label, page, pageName) {
      result.className = 'point-result';
      result.textContent = t('searching');
      var url = '/api/affected?' + query + '&lang=' + encodeURIComponent(lang);
      if (box.getAttribute('data-at')) { url += '&at=' + encodeURIComponent(box.getAttribute('data-at')); }
      fetch(url, {headers: {Accept: 'application/json'}, credentials: 'same-origin'})
        .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
        .then(function (res) {
          if (!res.ok) { result.textContent = res.body.detail || res.body.title || String(res.body.status); return; }
          showVerdict(label, res.body, page, pageName);
        })
        .catch(function (err) { result.textContent = fill(t('failed'), {reason: String(err)}); });
    }

    if (navigator.geolocation) {
      locate.hidden = false;
      note.hidden = false;
      locate.addEventListener('click', function () {
        result.className = 'point-result';
        result.textContent = t('locating');
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lat = pos.coords.latitude.toFixed(5), lon = pos.coords.longitude.toFixed(5);
          ask('lat=' + lat + '&lon=' + lon, t('here'), null, null);
        }, function (err) {
          result.textContent = fill(t('failed'), {reason: err.message || String(err.code)});
        }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
      });
    } else {
      result.textContent = t('no-geolocation');
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var q = input.value.trim();
      if (!q) { return; }
      list.textContent = '';
      result.className = 'point-result';
      result.textContent = t('searching');
      fetch('/api/places?q=' + encodeURIComponent(q) + '&limit=8', {headers: {Accept: 'application/json'}})
        .then(function (r) { return r.json(); })
        .then(function (body) {
          result.textContent = '';
          if (!body.places || !body.places.length) { result.textContent = body.detail || t('no-place'); return; }
          body.places.forEach(function (p) {
            var li = el('li');
            var name = lang === 'ja' ? (p.name_ja || p.name) : p.name;
            var other = lang === 'ja' ? p.name : (p.name_ja || '');
            var b = el('button', 'place-hit', name + (other && other !== name ? ' / ' + other : ''));
            b.type = 'button';
            b.setAttribute('data-place', p.id);
            b.addEventListener('click', function () {
              var pageName = lang === 'ja' ? (p.page_name_ja || p.page_name) : p.page_name;
              ask('place=' + encodeURIComponent(p.id), name, p.page, pageName);
            });
            li.appendChild(b);
            list.appendChild(li);
          });
          if (body.places.length === 1) { list.querySelector('button').click(); }
        })
        .catch(function (err) { result.textContent = fill(t('failed'), {reason: String(err)}); });
    });
  }

  function init() { initShare(); initPoint(); }
  // live.js replaced part of the page: bind the new elements (bound ones are marked data-ready)
  document.addEventListener('geowarn:updated', init);
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
})();
