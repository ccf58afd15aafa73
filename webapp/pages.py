"""HTML pages (thin adapters over the library)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from geowarn import __version__

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    return render_template("index.html", version=__version__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok", version=__version__)
