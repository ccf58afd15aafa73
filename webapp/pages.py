"""HTML pages: one-line adapters over ``geowarn.views`` (page data) and the service."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from geowarn import __version__, ogcapi, views
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


@bp.get("/")
def index() -> Response | str:
    """Serve the dashboard, or the OGC API landing page when JSON is asked for."""
    check_format()
    if not wants_html():
        from webapp.api import respond

        return respond(ogcapi.landing(api_request()))
    return render_template("dashboard.html", **views.dashboard(store()))


@bp.get("/events/<event_id>")
def event_page(event_id: str) -> str:
    """Serve the page of one event."""
    return render_template("event.html", **views.event_page(store(), event_id))


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
    html = cache().get_or_set(("overview", gen), lambda: views.overview_map(store(), options()).encode("utf-8"))
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = cache().get_or_set(("overview-csp", gen), lambda: map_csp(html))
    resp.set_etag(f"overview-{gen}")
    resp.make_conditional(request)
    return resp


@bp.get("/regions/<region_id>")
def region_page(region_id: str) -> Response:
    """Serve the verdict page of a region in the reader's language."""
    lang = pick_language(request.args.get("lang"), request.headers.get("Accept-Language"), region_id)
    now = views.parse_now(request.args.get("now")) if current_app.testing else None  # ?now= only in tests
    page = views.region_page(store(), region_id, layers_dir=options().layers_dir, now=now, lang=lang)
    resp = Response(render_template("region.html", **page), mimetype="text/html")
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
