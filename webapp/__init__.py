"""The geowarn web app: an app factory and blueprints that only adapt the library.

Settings come from the ``GEOWARN_*`` environment variables
(:class:`geowarn.settings.Settings`, built once here and kept in
``app.extensions["geowarn.settings"]``), then ``test_config`` overrides (see
:func:`webapp.config.split_config`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp.config import split_config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the Flask app (flaskr style: no app or config at import time)."""
    app = Flask(__name__, instance_relative_config=False)
    settings, flask_config = split_config(test_config)
    app.config.update(flask_config)

    from flask import send_from_directory

    from geowarn.publish.assets import VENDOR_DIR
    from webapp import api, core, live, pages

    core.init_app(app, settings)
    # The vendored map assets are geowarn.publish package data, served at their old URLs.
    app.add_url_rule("/static/vendor/<path:name>", "vendor", lambda name: send_from_directory(VENDOR_DIR, name))
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    live.init_app(app)
    return app
