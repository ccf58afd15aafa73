"""The HTTP surface, framework-free: every JSON and file operation declared once.

:mod:`geowarn.api.models` holds the request and response models (pydantic),
:mod:`geowarn.api.operations` the table of operations (path, method, models,
errors, auth, handler), :mod:`geowarn.api.openapi` generates ``/openapi.json``
from that table, and :mod:`geowarn.api.dispatch` validates a request against
its operation and calls the handler. The web app only adapts this table to Flask.
"""
