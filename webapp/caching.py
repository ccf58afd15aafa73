"""The HTTP caching policy of geowarn's responses, declared once.

Three kinds of response:

* an immutable per-version file (``/events/{id}/v{n}.{kind}``) says so itself
  (``public, max-age=31536000, immutable``) and is left alone;
* a public ``GET``/``HEAD`` answer about the current state (event files, pages, feeds, OGC items)
  is :data:`CURRENT`: a shared cache may keep it one second and serve it stale for two more while
  it revalidates with the ETag, so a proxy answers a crowd with one request per URL and second to
  the app and a publish or cancel is visible everywhere within about a second (``deploy/nginx.conf``);
* anything that needed a token or a session (operator pages, writes, the caller's own data) and
  every error is :data:`PRIVATE`: never stored by a shared cache.
"""

from __future__ import annotations

from flask import current_app, request, session
from werkzeug.wrappers import Response

from geowarn.deploy import CURRENT

#: Cache-Control of an answer that must not be kept by a shared cache.
PRIVATE = "private, no-cache"
#: Statuses a shared cache may keep.
_CACHEABLE = frozenset({200, 203, 204, 300, 301, 304})


def cache_policy(response: Response) -> Response:
    """Set ``Cache-Control`` on ``response`` by the policy above (a Flask ``after_request`` hook).

    Parameters
    ----------
    response
        The response of the current request.

    Returns
    -------
    Response
        The same response, its ``Cache-Control`` set.
    """
    if response.cache_control.immutable:
        return response
    cookie = request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session"))
    personal = bool(request.headers.get("Authorization")) or bool(cookie) or session.modified
    if request.method not in ("GET", "HEAD") or personal or response.status_code not in _CACHEABLE:
        response.headers["Cache-Control"] = PRIVATE
        response.vary.add("Cookie")
    elif "Cache-Control" not in response.headers or response.cache_control.no_cache:
        response.headers["Cache-Control"] = CURRENT
    return response
