"""Fixtures of the chaos tests: the webhook receiver of the alert tests."""

from tests.alerts.conftest import receiver as receiver
