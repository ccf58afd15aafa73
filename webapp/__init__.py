"""The geowarn web app: an app factory and blueprints that only adapt the library.

Configuration comes from ``GEOWARN_*`` environment variables (see
:func:`webapp.config.from_env`), then ``test_config`` overrides.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp.config import from_env


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the Flask app (flaskr style: no app or config at import time)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(from_env())
    if test_config:
        app.config.update(test_config)

    from webapp import api, core, pages

    core.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app
