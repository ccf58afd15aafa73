"""Fixtures of the alert tests: a webhook receiver (``store_url`` / ``store`` on SQLite and PostGIS
come from ``tests/pg.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts.helpers import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver("okinawa-secret-123")
    yield r
    r.close()
