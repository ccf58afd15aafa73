"""PostgreSQL NOTIFY/LISTEN helpers (geowarn.store.notify) against the real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geowarn.store import open_store
from geowarn.store.notify import Listener, notify

pytestmark = pytest.mark.postgis


@pytest.fixture
def pg_store() -> Iterator[object]:
    from tests.pg import pg_schema_url

    for url in pg_schema_url():
        store = open_store(url)
        yield store
        store.close()


def test_a_listener_hears_a_committed_notify_and_not_a_rolled_back_one(pg_store) -> None:  # type: ignore[no-untyped-def]
    listener = Listener(pg_store.url, "geowarn_test_channel")
    try:
        assert listener.wait(0.2) is False  # connects and LISTENs; nothing yet
        with pytest.raises(RuntimeError), pg_store.transaction() as tx:
            notify(tx, "geowarn_test_channel", "1")
            raise RuntimeError("roll back")
        assert listener.wait(0.5) is False
        with pg_store.transaction() as tx:
            notify(tx, "geowarn_test_channel", "2")
            notify(tx, "geowarn_test_channel")
        assert listener.wait(10) is True
        assert listener.wait(0.3) is False  # both were consumed
    finally:
        listener.close()


def test_a_bad_channel_name_is_refused(pg_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="channel"), pg_store.transaction() as tx:
        notify(tx, "x; DROP TABLE events")
