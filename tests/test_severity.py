"""The severity rule table, urgency and certainty (geowarn.severity)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geowarn.model import Certainty, Phase, RegionKind, ResponseType, Severity, TimeWindow, Urgency
from geowarn.severity import (
    IMPACT,
    KIND_CLASS,
    OVERFLIGHT,
    PHASE_CLASS,
    RULES,
    assess_phase,
    certainty_for,
    rules_markdown,
    urgency_for,
)

T0 = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
WINDOW = TimeWindow(T0, T0 + timedelta(hours=5))
IMPACT_PHASES = [Phase.STAGE1, Phase.FAIRING, Phase.STAGE2, Phase.STAGE3, Phase.DEBRIS, Phase.REENTRY]


def test_every_phase_and_kind_has_a_rule() -> None:
    assert set(PHASE_CLASS) == set(Phase)
    assert set(KIND_CLASS) == set(RegionKind)
    for phase in Phase:
        for kind in RegionKind:
            for intersecting in (True, False):
                sev, resp = assess_phase(phase, kind, intersecting=intersecting)
                assert isinstance(sev, Severity) and isinstance(resp, ResponseType)
    assert len(RULES) == len({(p, k, r) for p, k, r in RULES}) == 12


@pytest.mark.parametrize("phase", IMPACT_PHASES)
def test_impact_rules(phase: Phase) -> None:
    assert PHASE_CLASS[phase] == IMPACT
    assert assess_phase(phase, RegionKind.ADMIN, intersecting=True) == (Severity.EXTREME, ResponseType.SHELTER)
    assert assess_phase(phase, RegionKind.TERRITORIAL_SEA, intersecting=True) == (Severity.EXTREME, ResponseType.AVOID)
    assert assess_phase(phase, RegionKind.SEA, intersecting=True) == (Severity.SEVERE, ResponseType.AVOID)
    assert assess_phase(phase, RegionKind.EEZ_LIKE, intersecting=True) == (Severity.SEVERE, ResponseType.AVOID)
    for kind in RegionKind:
        assert assess_phase(phase, kind, intersecting=False) == (Severity.MODERATE, ResponseType.PREPARE)


def test_overflight_rules() -> None:
    assert PHASE_CLASS[Phase.OVERFLIGHT] == OVERFLIGHT
    assert assess_phase(Phase.OVERFLIGHT, RegionKind.ADMIN, intersecting=True) == (
        Severity.SEVERE,
        ResponseType.SHELTER,
    )
    ts = assess_phase(Phase.OVERFLIGHT, RegionKind.TERRITORIAL_SEA, intersecting=True)
    assert ts == (Severity.SEVERE, ResponseType.SHELTER)
    for kind in (RegionKind.SEA, RegionKind.EEZ_LIKE):
        assert assess_phase(Phase.OVERFLIGHT, kind, intersecting=True) == (Severity.MODERATE, ResponseType.MONITOR)
    for kind in RegionKind:
        assert assess_phase(Phase.OVERFLIGHT, kind, intersecting=False) == (Severity.MINOR, ResponseType.MONITOR)


def test_intersecting_is_never_milder_than_proximity() -> None:
    for phase in Phase:
        for kind in RegionKind:
            inside, _ = assess_phase(phase, kind, intersecting=True)
            near, _ = assess_phase(phase, kind, intersecting=False)
            assert inside.rank <= near.rank


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0, Urgency.IMMEDIATE),
        (T0 + timedelta(hours=5), Urgency.IMMEDIATE),
        (T0 + timedelta(hours=2), Urgency.IMMEDIATE),
        (T0 - timedelta(minutes=77), Urgency.EXPECTED),  # the 2023 launch came 77 min early
        (T0 - timedelta(hours=24), Urgency.EXPECTED),
        (T0 - timedelta(hours=24, seconds=1), Urgency.FUTURE),
        (T0 - timedelta(days=10), Urgency.FUTURE),
        (T0 + timedelta(hours=5, seconds=1), Urgency.PAST),
    ],
)
def test_urgency_single_window(now: datetime, expected: Urgency) -> None:
    assert urgency_for((WINDOW,), now) is expected


def test_urgency_alternate_windows() -> None:
    alternates = tuple(TimeWindow(WINDOW.start + timedelta(days=d), WINDOW.end + timedelta(days=d)) for d in range(3))
    between = T0 + timedelta(hours=12)  # after day 0's window, day 1's starts in 12 h
    assert urgency_for(alternates, between) is Urgency.EXPECTED
    assert urgency_for(alternates, T0 + timedelta(days=1, hours=1)) is Urgency.IMMEDIATE
    assert urgency_for(alternates, T0 + timedelta(days=3)) is Urgency.PAST
    assert urgency_for((), T0) is Urgency.EXPECTED
    # a naive time is read as UTC
    assert urgency_for((WINDOW,), (T0 + timedelta(hours=1)).replace(tzinfo=None)) is Urgency.IMMEDIATE


@pytest.mark.parametrize(
    ("probability", "confidence", "expected"),
    [
        (None, None, Certainty.POSSIBLE),
        (None, 0.997, Certainty.LIKELY),
        (None, 0.9, Certainty.LIKELY),
        (None, 0.899, Certainty.POSSIBLE),
        (0.5, None, Certainty.POSSIBLE),
        (0.49, None, Certainty.UNLIKELY),
        (0.95, 0.2, Certainty.UNLIKELY),  # the confidence level wins over a probability
    ],
)
def test_certainty(probability: float | None, confidence: float | None, expected: Certainty) -> None:
    assert certainty_for(probability, confidence) is expected


def test_readme_renders_the_rule_table() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^## Severity rules\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert m, "README has no 'Severity rules' section"
    assert rules_markdown() in m.group(1)
