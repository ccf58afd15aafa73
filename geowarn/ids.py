"""Identifier syntax shared by the service, the HTTP routes and the OpenAPI document.

>>> bool(EVENT_ID_RE.match("cz-5b-2026-01")), bool(EVENT_ID_RE.match("-bad"))
(True, False)
"""

from __future__ import annotations

import re

#: An event id without anchors (for embedding in URL patterns): lower-case letters, digits, dashes, ≤ 80.
EVENT_ID_BODY = r"[a-z0-9][a-z0-9-]{0,79}"
#: The anchored event-id pattern (JSON Schema ``pattern`` and :data:`EVENT_ID_RE`).
EVENT_ID_PATTERN = rf"^{EVENT_ID_BODY}$"
EVENT_ID_RE = re.compile(EVENT_ID_PATTERN)
#: Ids no event may take: their ``/events/<id>`` URL is another resource (the live stream).
RESERVED_EVENT_IDS = frozenset({"stream"})
