"""The one documented rule table: phase × region kind × relation → CAP severity and response.

Every alert zone gets its CAP ``severity`` and ``response`` from :data:`RULES`,
its ``urgency`` from the corridor's windows relative to ``now``
(:func:`urgency_for`) and its ``certainty`` from the corridor's confidence
(:func:`certainty_for`). The README section "Severity rules" is
:func:`rules_markdown` verbatim.

Phases fall into two classes: *impact* (stage1, fairing, stage2, stage3,
debris, reentry, and ``other`` — a notified hazard area whose nature is not
known is treated as a drop zone) and *overflight*. Region kinds fall into
*land* (admin units, land, users' own polygons), *territorial sea* (12 NM
belts, where people are close to shore) and *open sea* (named seas and
200 NM zones, where the people at risk are on ships). A zone is
*intersecting* when corridor ∩ region has a positive area, *proximity* when
the region is within the margin without overlapping (touching along an edge
counts as proximity at 0 km).

>>> assess_phase(Phase.OVERFLIGHT, RegionKind.ADMIN, intersecting=True)
(<Severity.SEVERE: 'Severe'>, <ResponseType.SHELTER: 'Shelter'>)
>>> assess_phase(Phase.STAGE1, RegionKind.SEA, intersecting=True)
(<Severity.SEVERE: 'Severe'>, <ResponseType.AVOID: 'Avoid'>)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from geowarn.model import Certainty, Phase, RegionKind, ResponseType, Severity, TimeWindow, Urgency, utc

IMPACT: Final = "impact"
OVERFLIGHT: Final = "overflight"
LAND: Final = "land"
TERRITORIAL: Final = "territorial-sea"
OPEN_SEA: Final = "open-sea"
INTERSECTING: Final = "intersecting"
PROXIMITY: Final = "proximity"

PHASE_CLASS: Final[dict[Phase, str]] = {
    Phase.STAGE1: IMPACT,
    Phase.FAIRING: IMPACT,
    Phase.STAGE2: IMPACT,
    Phase.STAGE3: IMPACT,
    Phase.DEBRIS: IMPACT,
    Phase.REENTRY: IMPACT,
    Phase.OTHER: IMPACT,
    Phase.OVERFLIGHT: OVERFLIGHT,
}
"""Phase → phase class."""

KIND_CLASS: Final[dict[RegionKind, str]] = {
    RegionKind.ADMIN: LAND,
    RegionKind.LAND: LAND,
    RegionKind.USER: LAND,
    RegionKind.TERRITORIAL_SEA: TERRITORIAL,
    RegionKind.SEA: OPEN_SEA,
    RegionKind.EEZ_LIKE: OPEN_SEA,
}
"""Region kind → region class."""

# fmt: off
RULES: Final[dict[tuple[str, str, str], tuple[Severity, ResponseType]]] = {
    # phase class   region class   relation          severity           response
    (IMPACT,     LAND,        INTERSECTING): (Severity.EXTREME,  ResponseType.SHELTER),
    (IMPACT,     TERRITORIAL, INTERSECTING): (Severity.EXTREME,  ResponseType.AVOID),
    (IMPACT,     OPEN_SEA,    INTERSECTING): (Severity.SEVERE,   ResponseType.AVOID),
    (OVERFLIGHT, LAND,        INTERSECTING): (Severity.SEVERE,   ResponseType.SHELTER),
    (OVERFLIGHT, TERRITORIAL, INTERSECTING): (Severity.SEVERE,   ResponseType.SHELTER),
    (OVERFLIGHT, OPEN_SEA,    INTERSECTING): (Severity.MODERATE, ResponseType.MONITOR),
    (IMPACT,     LAND,        PROXIMITY):    (Severity.MODERATE, ResponseType.PREPARE),
    (IMPACT,     TERRITORIAL, PROXIMITY):    (Severity.MODERATE, ResponseType.PREPARE),
    (IMPACT,     OPEN_SEA,    PROXIMITY):    (Severity.MODERATE, ResponseType.PREPARE),
    (OVERFLIGHT, LAND,        PROXIMITY):    (Severity.MINOR,    ResponseType.MONITOR),
    (OVERFLIGHT, TERRITORIAL, PROXIMITY):    (Severity.MINOR,    ResponseType.MONITOR),
    (OVERFLIGHT, OPEN_SEA,    PROXIMITY):    (Severity.MINOR,    ResponseType.MONITOR),
}
"""(phase class, region class, relation) → (CAP severity, CAP responseType)."""
# fmt: on

SOON: Final = timedelta(hours=24)
"""A window starting within this time (or no window at all) is ``Expected``, later ones ``Future``."""

LIKELY_AT: Final = 0.9
POSSIBLE_AT: Final = 0.5


def assess_phase(phase: Phase, kind: RegionKind, *, intersecting: bool) -> tuple[Severity, ResponseType]:
    """CAP severity and response of a zone by the :data:`RULES` table.

    >>> assess_phase(Phase.STAGE2, RegionKind.TERRITORIAL_SEA, intersecting=True)[0]
    <Severity.EXTREME: 'Extreme'>
    >>> assess_phase(Phase.OVERFLIGHT, RegionKind.EEZ_LIKE, intersecting=False)
    (<Severity.MINOR: 'Minor'>, <ResponseType.MONITOR: 'Monitor'>)
    """
    key = (PHASE_CLASS[Phase(phase)], KIND_CLASS[RegionKind(kind)], INTERSECTING if intersecting else PROXIMITY)
    return RULES[key]


def urgency_for(windows: Sequence[TimeWindow], now: datetime) -> Urgency:
    """CAP urgency of the windows seen at ``now``.

    Inside a window → ``Immediate``; no window known, or the next window starts
    within 24 h → ``Expected`` (windows are hints, not guards: a launch can come
    before its window, so an imminent window is never ``Future``); a later
    window → ``Future``; every window over → ``Past``.

    >>> from datetime import UTC
    >>> w = (TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC)),)
    >>> [urgency_for(w, datetime(2016, 2, d, h, tzinfo=UTC)).value for d, h in [(7, 1), (6, 0), (4, 0), (8, 0)]]
    ['Immediate', 'Expected', 'Future', 'Past']
    >>> urgency_for((), datetime(2016, 2, 7, tzinfo=UTC)).value
    'Expected'
    """
    if not windows:
        return Urgency.EXPECTED
    now = utc(now)
    if any(w.contains(now) for w in windows):
        return Urgency.IMMEDIATE
    upcoming = [w.start for w in windows if w.start > now]
    if not upcoming:
        return Urgency.PAST
    return Urgency.EXPECTED if min(upcoming) - now <= SOON else Urgency.FUTURE


def certainty_for(probability: float | None, confidence_level: float | None) -> Certainty:
    """CAP certainty from the corridor's confidence level (else its probability).

    ≥ 0.9 → ``Likely``, ≥ 0.5 → ``Possible``, below → ``Unlikely``; unknown →
    ``Possible`` (a notified area is a real possibility).

    >>> certainty_for(None, 0.997).value, certainty_for(0.6, None).value, certainty_for(0.1, None).value
    ('Likely', 'Possible', 'Unlikely')
    >>> certainty_for(None, None).value
    'Possible'
    """
    value = confidence_level if confidence_level is not None else probability
    if value is None:
        return Certainty.POSSIBLE
    value = float(value)
    if value >= LIKELY_AT:
        return Certainty.LIKELY
    if value >= POSSIBLE_AT:
        return Certainty.POSSIBLE
    return Certainty.UNLIKELY


def rules_markdown() -> str:
    """Render the rule table as Markdown (the README's "Severity rules" section).

    >>> print(rules_markdown().splitlines()[2])
    | impact | land (admin, land, user) | intersecting | Extreme | Shelter |
    """
    kinds = {
        LAND: "land (admin, land, user)",
        TERRITORIAL: "territorial sea",
        OPEN_SEA: "open sea (sea, eez-like)",
    }
    lines = ["| phase | region | relation | severity | response |", "|---|---|---|---|---|"]
    for (phase, kind, rel), (sev, resp) in RULES.items():
        lines.append(f"| {phase} | {kinds[kind]} | {rel} | {sev.value} | {resp.value} |")
    return "\n".join(lines)
