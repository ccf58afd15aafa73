"""HTML pages: one-line adapters over ``geowarn.views`` (page data) and the service."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from geowarn import __version__, ogcapi, views
from geowarn.current import is_current, statuses
from geowarn.errors import GeowarnError
from geowarn.i18n import message, pick_language
from webapp.core import (
    api_request,
    artifact_response,
    cache,
    check_csrf,
    check_format,
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
    }


def _now() -> datetime | None:
    """Return the test-only ``?now=`` (honoured only when the app is testing), else ``None`` (the clock)."""
    return views.parse_now(request.args.get("now")) if current_app.testing else None


def _lang(region_id: str | None = None) -> str:
    """Pick the page language: ``?lang=``, then ``Accept-Language``, then the region's."""
    return pick_language(request.args.get("lang"), request.headers.get("Accept-Language"), region_id)


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
    testing_now: dict[str, Any] = {"now": request.args["now"]} if current_app.testing and "now" in request.args else {}
    page["overview_src"] = url_for("pages.overview_map", **testing_now)
    return _page("dashboard.html", page)


@bp.get("/events/<event_id>")
def event_page(event_id: str) -> Response:
    """Serve the page of one event (its regions' language unless the reader asks for one)."""
    chosen = request.args.get("lang") or request.headers.get("Accept-Language")
    page = views.event_page(store(), event_id, now=_now(), lang=_lang() if chosen else None)
    return _page("event.html", {**page, "lang_switch": True})


@bp.get("/events/<event_id>/map")
def event_map(event_id: str) -> BaseResponse:
    """Serve the published map of an event with a CSP allowing its inline scripts."""
    art = store().get_artifact(event_id, "map")
    resp = artifact_response(art)
    resp.headers["Content-Security-Policy"] = cache().get_or_set(("csp", art.etag), lambda: map_csp(art.body))
    return resp


@bp.get("/map/overview")
def overview_map() -> BaseResponse:
    """Serve the map of every current event (cached per store generation, conditional on its ETag)."""
    gen = store().generation()
    current = tuple(sorted((k, str(v)) for k, v in statuses(store(), _now()).items() if is_current(v)))
    key = ("overview", gen, current)
    html = cache().get_or_set(key, lambda: views.overview_map(store(), options(), now=_now()).encode("utf-8"))
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = cache().get_or_set(("overview-csp", *key), lambda: map_csp(html))
    resp.set_etag(f"overview-{gen}-" + hashlib.sha256(repr(current).encode()).hexdigest()[:16])
    resp.make_conditional(request)
    return resp


@bp.get("/regions/<region_id>")
def region_page(region_id: str) -> Response:
    """Serve the verdict page of a region in the reader's language."""
    lang = _lang(region_id)
    page = views.region_page(store(), region_id, layers_dir=options().layers_dir, now=_now(), lang=lang)
    query: dict[str, Any] = {"lang": lang}
    if current_app.testing and "now" in request.args:
        query["now"] = request.args["now"]
        page["point_at"] = request.args["now"]  # the point query judges at the page's time
    page["map_src"] = url_for("pages.region_map", region_id=region_id, **query)
    return _page("region.html", page)


@bp.get("/regions/<region_id>/map")
def region_map(region_id: str) -> BaseResponse:
    """Serve the region's map (cached by what it shows), with a CSP allowing its inline scripts."""
    lang = _lang(region_id)
    key, render = views.region_map(store(), region_id, options(), now=_now(), lang=lang)
    gen = store().generation()
    html = cache().get_or_set((*key, gen), lambda: render().encode("utf-8"))
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = cache().get_or_set(("region-csp", *key, gen), lambda: map_csp(html))
    resp.vary.add("Accept-Language")
    return resp


# --------------------------------------------------------------------------- operator


@bp.route("/operator", methods=["GET", "POST"])
def operator() -> BaseResponse | str | tuple[str, int]:
    """Serve the operator form; on POST, preview the input or publish it (login required)."""
    if request.method == "POST":
        check_csrf()
    if not session.get("token_id"):
        return render_template("login.html")
    if request.method == "GET":
        return render_template("operator.html", form=views.OperatorForm.empty(request.args.get("event")), error=None)
    form = views.OperatorForm.from_request(request.form, request.files)
    try:
        if request.form.get("action") == "publish":
            result = views.publish(store(), form, options())
            return redirect(url_for("pages.event_page", event_id=result.event.id), code=303)
        preview = views.preview(store(), form, options())
    except GeowarnError as exc:
        return render_template("operator.html", form=form, error=exc), exc.status
    resp = Response(render_template("preview.html", form=form, preview=preview), mimetype="text/html")
    # the preview map is an iframe srcdoc: it inherits this page's policy, so allow its inline scripts by hash
    resp.headers["Content-Security-Policy"] = map_csp(preview["map_html"].encode("utf-8"))
    return resp


@bp.post("/operator/login")
def login() -> BaseResponse | tuple[str, int]:
    """Log the operator in with an API token (403 for an unknown or revoked one)."""
    check_csrf()
    token_id = store().verify_token(request.form.get("token", "").strip())
    if token_id is None:
        return render_template("login.html", error="unknown or revoked token"), 403
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
