"""HTML pages: one-line adapters over ``geowarn.views`` (page data) and the service."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, session, url_for
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as BaseResponse

from geowarn import __version__, drawn, ogcapi, rendering, views
from geowarn.current import is_current, statuses
from geowarn.desk import actions as desk_actions
from geowarn.desk import approvals as desk_approvals
from geowarn.desk import pages as desk_pages
from geowarn.desk.approvals import Actor, Approval
from geowarn.desk.form import OperatorForm
from geowarn.desk.templates import template
from geowarn.errors import GeowarnError
from geowarn.i18n import label, message, pick_language
from geowarn.service import EventResult
from geowarn.store import Artifact
from geowarn.verdict import Lifecycle
from webapp.core import (
    api_request,
    artifact_response,
    cache,
    check_csrf,
    check_format,
    check_upload_size,
    csrf_token,
    map_csp,
    options,
    store,
    wants_html,
)

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _globals() -> dict[str, object]:
    return {
        "version": __version__,
        "csrf_token": csrf_token,
        "logged_in": bool(session.get("token_id")),
        "msg": message,
        "msg_code": message_code,
        "label": label,
    }


def message_code(msgid: str, lang: str, /, **values: str) -> Markup:
    """``msg()`` whose placeholders are shown as code (``<code>GEOWARN_APPROVAL=2</code>``), every part escaped."""
    codes = {k: Markup("<code>{}</code>").format(v) for k, v in values.items()}
    return Markup(escape(message(msgid, lang))).format(**codes)


def _now() -> datetime | None:
    """Return the test-only ``?now=`` (honoured only when the app is testing), else ``None`` (the clock)."""
    return views.parse_now(request.args.get("now")) if current_app.testing else None


def _lang(region_id: str | None = None) -> str:
    """Pick the page language: ``?lang=`` (or a form's ``lang``), then ``Accept-Language``, then the region's."""
    asked = request.args.get("lang") or (request.form.get("lang") if request.method == "POST" else None)
    return pick_language(asked, request.headers.get("Accept-Language"), region_id)


def _page(template: str, page: dict[str, object]) -> Response:
    """Render ``template`` with ``page`` as an HTML response that varies by ``Accept-Language``."""
    resp = Response(render_template(template, **page), mimetype="text/html")
    resp.vary.add("Accept-Language")
    return resp


@bp.get("/")
def index() -> Response | str:
    """Serve the dashboard, or the OGC API landing page when JSON is asked for."""
    check_format()
    if not wants_html():
        from webapp.api import respond

        return respond(ogcapi.landing(api_request()))
    page = {**views.dashboard(store(), now=_now(), lang=_lang()), "lang_switch": True}
    page["overview_src"] = url_for("pages.overview_map", lang=page["lang"], **_testing_now())
    return _page("dashboard.html", page)


def _testing_now() -> dict[str, Any]:
    """Return the page's test-only ``?now=`` for the URL of its map (so that both judge at the same time)."""
    return {"now": request.args["now"]} if current_app.testing and "now" in request.args else {}


@bp.get("/events/<event_id>")
def event_page(event_id: str) -> Response:
    """Serve the page of one event (its regions' language unless the reader asks for one)."""
    page = views.event_page(store(), event_id, now=_now(), lang=_chosen_lang())
    desk = desk_pages.event_block(store(), event_id, page["lang"]) if _actor() is not None else None  # operator block
    map_src = url_for("pages.event_map", event_id=event_id, lang=page["lang"], **_testing_now())
    return _page("event.html", {**page, "lang_switch": True, "desk": desk, "map_src": map_src})


@bp.get("/events/<event_id>/map")
def event_map(event_id: str) -> BaseResponse:
    """Serve the published map of an event (rendered on demand when missing) with a CSP allowing its inline scripts.

    An event that ended since its version was written is drawn again as ended (grey, all-clear banner).
    """
    art = rendering.published_file(store(), event_id, "map", options=options())
    now = _now()
    if statuses(store(), now, [event_id]).get(event_id) == Lifecycle.ENDED:  # over since: drawn again as ended
        stored = art

        def ended() -> tuple[Artifact, str]:
            drawn = rendering.event_map(store(), event_id, now=now, options=options())
            return drawn, map_csp(drawn.body)

        art, csp = cache().get_or_set(("map-ended", stored.etag), ended)
    else:  # a stored map's ETag is the sha256 of its body: one CSP per ETag
        csp = cache().get_or_set(("csp", art.etag), lambda: map_csp(art.body))
    resp = artifact_response(art)
    resp.headers["Content-Security-Policy"] = csp
    return resp


def _map_with_csp(key: tuple[Any, ...], render: Callable[[], str]) -> tuple[bytes, str]:
    """Return a generated map page's body and its CSP, cached as one entry under ``key``.

    Two renders of one map differ (the map library names its objects at random), so a body and the
    CSP allowing its inline scripts are kept together: cached apart, two requests racing to fill
    the cache could answer one render's body under the other's CSP, and the browser would block
    the map's scripts.
    """

    def make() -> tuple[bytes, str]:
        html = render().encode("utf-8")
        return html, map_csp(html)

    pair: tuple[bytes, str] = cache().get_or_set(key, make)
    return pair


@bp.get("/map/overview")
def overview_map() -> BaseResponse:
    """Serve the map of every current event (cached per store generation, conditional on its ETag)."""
    gen = store().generation()
    current = tuple(sorted((k, str(v)) for k, v in statuses(store(), _now()).items() if is_current(v)))
    key = ("overview", gen, current)
    html, csp = _map_with_csp(key, lambda: views.overview_map(store(), options(), now=_now()))
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = csp
    resp.set_etag(f"overview-{gen}-" + hashlib.sha256(repr(current).encode()).hexdigest()[:16])
    resp.make_conditional(request)
    return resp


@bp.get("/regions/<region_id>")
def region_page(region_id: str) -> Response:
    """Serve the verdict page of a region in the reader's language, conditional on its ETag.

    The page is judged at the whole second and kept per (region, language, store generation,
    second): a crowd costs one render per process and second, and any write (a new generation) is
    seen by the next request. An operator's page carries their CSRF token and is never shared.
    """
    lang = _lang(region_id)
    now = _now() or datetime.now(UTC).replace(microsecond=0)
    since = g.get("live_since")  # the generation the page follows, read before its data (webapp.live)
    if session.get("token_id"):
        body, etag = _region_body(region_id, lang, now)
    else:
        gen = since if since is not None else store().generation()
        asked = request.args.get("now") if current_app.testing else None  # written into the page's map URL
        key = ("region-page", request.path, lang, gen, since is None, now, asked)
        body, etag = cache().get_or_set(key, lambda: _region_body(region_id, lang, now))
        if not request.args:
            _write_static_region(region_id, lang, now, gen)
    resp = Response(body, mimetype="text/html")
    resp.vary.add("Accept-Language")
    resp.set_etag(etag)
    resp.make_conditional(request)
    return resp


def _write_static_region(region_id: str, lang: str, now: datetime, gen: int) -> None:
    """Write the page of this and the next :data:`~geowarn.publish.static.REGION_AHEAD` windows for nginx.

    A window (:data:`~geowarn.publish.static.REGION_BUCKET_S`) is written only when the page rendered
    at its first and last second is the same: a window start or end, a countdown's minute or the
    checked-at minute inside it leave that window to the app, so nginx never shows a verdict past the
    second it changes; later windows are written ahead so that nginx rarely asks the app at a window's
    start. Any event commit removes them (``GEOWARN_STATIC_DIR``, issue 16).
    """
    from geowarn.publish.static import REGION_AHEAD, REGION_BUCKET_S, bucket_of, region_key

    static = current_app.extensions.get("geowarn.static")
    key = region_key(request.headers.get("Accept-Language"))
    if static is None or key is None or lang != (key if key != "default" else pick_language(None, None, region_id)):
        return
    bucket = bucket_of(now)

    def write() -> bool:  # once per process, page, window and generation
        for b in range(bucket, bucket + REGION_AHEAD + 1):
            if static.region_path(region_id, key, b).exists():
                continue
            first = datetime.fromtimestamp(b * REGION_BUCKET_S, UTC)
            body, _ = _region_body(region_id, lang, first)
            if _region_body(region_id, lang, first + timedelta(seconds=REGION_BUCKET_S - 1))[0] != body:
                continue
            if not static.write_region(store(), region_id, key, b, body, gen, keep_from=bucket):
                return False
        return True

    cache().get_or_set(("region-static", region_id, key, bucket, gen), write)


def _region_body(region_id: str, lang: str, now: datetime) -> tuple[bytes, str]:
    """Render the region page at ``now``: its bytes and their ETag."""
    page = views.region_page(store(), region_id, layers_dir=options().layers_dir, now=now, lang=lang)
    query: dict[str, Any] = {"lang": lang}
    if current_app.testing and "now" in request.args:
        query["now"] = request.args["now"]
        page["point_at"] = request.args["now"]  # the point query judges at the page's time
    page["map_src"] = url_for("pages.region_map", region_id=region_id, **query)
    body = render_template("region.html", **page).encode("utf-8")
    return body, "region-" + hashlib.sha256(body).hexdigest()[:32]


@bp.get("/regions/<region_id>/map")
def region_map(region_id: str) -> BaseResponse:
    """Serve the region's map (cached by what it shows), with a CSP allowing its inline scripts."""
    lang = _lang(region_id)
    key, render = views.region_map(store(), region_id, options(), now=_now(), lang=lang)
    gen = store().generation()
    html, csp = _map_with_csp((*key, gen), render)
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = csp
    resp.vary.add("Accept-Language")
    return resp


# --------------------------------------------------------------------------- operator


def _op(template: str, **context: Any) -> str:
    """Render an operator page in the reader's language (``?lang=``, ``Accept-Language``).

    A ``lang`` in ``context`` wins: the page computed it from its event's region.
    """
    context.setdefault("lang", _lang())
    return render_template(template, lang_switch=True, **context)


def _chosen_lang() -> str | None:
    """Return the language the reader asked for (``?lang=``, ``Accept-Language``); ``None`` when neither says."""
    chosen = request.args.get("lang") or request.headers.get("Accept-Language")
    if request.method == "POST":
        chosen = chosen or request.form.get("lang")
    return _lang() if chosen else None


def _revoked() -> bool:
    """End the session when its token was revoked since the login (issue 14 #5); say whether it was."""
    token_id = session.get("token_id")
    if token_id and not store().token_active(str(token_id)):
        session.clear()
        return True
    return False


def _actor() -> Actor | None:
    """Return the logged-in operator (``None`` when not logged in or the session's token was revoked)."""
    if _revoked():
        return None
    token_id = session.get("token_id")
    return Actor.of_token(store(), str(token_id)) if token_id else None


def _written(result: EventResult | Approval) -> BaseResponse:
    """Redirect to the written event, or to the pending request."""
    if isinstance(result, Approval):
        return redirect(url_for("pages.approvals_page", _anchor=result.id), code=303)
    return redirect(url_for("pages.event_page", event_id=result.event.id), code=303)


def _start_form() -> OperatorForm:
    """Start the form: empty, a notice template (``?template=``) or the event's corridors (``?correct=1``)."""
    event_id = request.args.get("event")
    if request.args.get("template"):
        return OperatorForm.from_template(template(request.args["template"]), event_id)
    form = OperatorForm.empty(event_id)
    if event_id and request.args.get("correct"):
        event = store().get_event(event_id)
        texts = [r for r in event.inputs if r.format != "drawn"]
        form.mode, form.drawn, form.name = "draw", drawn.corridors_text(event.corridors), event.name
        if texts:
            form.text, form.format = texts[-1].text, texts[-1].format
    return form


@bp.route("/operator", methods=["GET", "POST"])
def operator() -> BaseResponse | str | tuple[str, int]:
    """Show the operator's form, a preview, or publish (``action=publish``)."""
    if request.method == "POST":
        check_csrf()
    if _revoked():
        return _op("login.html", error=message("op.token_revoked", _lang())), 403
    actor = _actor()
    if actor is None:
        return _op("login.html")
    common = {"templates": desk_pages.templates(), "pending": desk_pages.approval_rows(store(), lang=_lang())}
    if request.method == "GET":
        return _op("operator.html", form=_start_form(), error=None, **common)
    form = OperatorForm.from_request(request.form, request.files)
    check_upload_size(max(len(form.file_b64) * 3 // 4, len(form.text.encode("utf-8"))))
    try:
        if request.form.get("action") == "publish":
            return _written(desk_pages.publish(store(), form, options(), actor))
        preview = desk_pages.preview_page(store(), form, options(), _chosen_lang())
    except GeowarnError as exc:
        return _op("operator.html", form=form, error=exc, **common), exc.status
    resp = Response(_op("preview.html", form=form, preview=preview, lang=preview["lang"]), mimetype="text/html")
    # the preview map is an iframe srcdoc: it inherits this page's policy, so allow its inline scripts by hash
    resp.headers["Content-Security-Policy"] = map_csp(preview["map_html"].encode("utf-8"))
    return resp


@bp.route("/operator/events/<event_id>/cancel", methods=["GET", "POST"])
def cancel_page(event_id: str) -> BaseResponse | str | tuple[str, int]:
    """Confirm a cancel (who receives the Cancel), then cancel (``confirm=yes``)."""
    if request.method == "POST":
        check_csrf()
    actor = _actor()
    if actor is None:
        return _op("login.html")
    error: GeowarnError | None = None
    if request.method == "POST" and request.form.get("confirm") == "yes":
        try:
            return _written(
                desk_actions.perform(store(), "cancel", {"event_id": event_id}, actor=actor, options=options())
            )
        except GeowarnError as exc:
            error = exc
    page = desk_pages.cancel_page(store(), event_id, options(), _chosen_lang())
    return _op("cancel.html", event_id=event_id, error=error, **page), error.status if error else 200


@bp.get("/operator/approvals")
def approvals_page() -> str:
    """List the requests awaiting a second operator."""
    actor = _actor()
    if actor is None:
        return _op("login.html")
    return _op("approvals.html", pending=desk_pages.approval_rows(store(), lang=_lang()), me=actor.token_id, error=None)


@bp.post("/operator/approvals/<approval_id>/<decision>")
def decide(approval_id: str, decision: str) -> BaseResponse | str | tuple[str, int]:
    """Approve (and carry out) or reject a pending request with this, a different, token."""
    check_csrf()
    actor = _actor()
    if actor is None:
        return _op("login.html")
    if decision not in ("approve", "reject"):
        abort(404)
    try:
        if decision == "approve":
            return _written(desk_actions.approve(store(), approval_id, actor=actor, options=options()))
        desk_approvals.reject(store(), approval_id, actor)
    except GeowarnError as exc:
        pending = desk_pages.approval_rows(store(), lang=_lang())
        return _op("approvals.html", pending=pending, me=actor.token_id, error=exc), exc.status
    return redirect(url_for("pages.approvals_page"), code=303)


@bp.post("/operator/login")
def login() -> BaseResponse | tuple[str, int]:
    """Log the operator in with an API token (403 for an unknown or revoked one)."""
    check_csrf()
    token_id = store().verify_token(request.form.get("token", "").strip())
    if token_id is None:
        return _op("login.html", error=message("op.token_unknown", _lang())), 403
    session.clear()
    session["token_id"] = token_id
    csrf_token()
    return redirect(url_for("pages.operator"), code=303)


@bp.post("/operator/logout")
def logout() -> BaseResponse:
    """Log the operator out."""
    check_csrf()
    session.clear()
    return redirect(url_for("pages.index"), code=303)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Answer 404: there is no favicon."""
    abort(404)
