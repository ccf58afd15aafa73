"""Issue 13's "What to build", bullet by bullet: the Chromium tests that show it at 390×844 and 1366×900.

Issue 13 is done when real Chromium shows every point at both sizes. :data:`CHECKLIST` names, for each
bullet, the browser tests that cover it (each asserts layout facts too: no horizontal scroll, the
element inside the screen, the map half a phone's screen, AA contrast computed from the styles); the
fast test below fails when one of them is renamed, removed, or no longer runs at both sizes
(parametrised over ``SIZES``, or looping over it).
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import pytest

from tests.webapp.test_region_verdict import SIZES

#: Each bullet of issue 13's "What to build" -> the (module, test) pairs that show it in Chromium at both sizes.
CHECKLIST: dict[str, list[tuple[str, str]]] = {
    "verdict": [
        ("test_region_verdict", "test_region_page_in_chromium_phone_and_laptop"),
        ("test_public_browser", "test_every_verdict_state_is_said_in_words_in_the_first_screen"),
        ("test_public_browser", "test_use_my_location_and_place_search_before_the_window"),
    ],
    "lifecycle": [
        ("test_public_browser", "test_cancelled_event_is_grey_with_its_banner"),
        ("test_public_browser", "test_every_verdict_state_is_said_in_words_in_the_first_screen"),
    ],
    "point query": [("test_public_browser", "test_use_my_location_and_place_search_before_the_window")],
    "japanese first": [
        ("test_public_browser", "test_public_pages_fit_both_sizes_with_land_and_folded_legend"),
        ("test_region_verdict", "test_region_page_in_chromium_phone_and_laptop"),
    ],
    "maps, print, share": [
        ("test_public_browser", "test_public_pages_fit_both_sizes_with_land_and_folded_legend"),
        ("test_public_browser", "test_region_map_outlines_the_region_and_frames_the_current_warning"),
        ("test_public_browser", "test_share_skip_link_labels_legend_and_print"),
    ],
    "phones": [("test_public_browser", "test_public_pages_fit_both_sizes_with_land_and_folded_legend")],
    "live": [
        ("test_live_browser", "test_open_region_dashboard_and_event_pages_follow_a_publish_an_update_and_a_cancel")
    ],
    "operator": [
        ("test_operator_browser", "test_update_then_cancel_from_the_event_page_through_their_confirmations"),
        ("test_operator_browser", "test_two_person_approval_a_second_token_approves_the_first_alone_cannot"),
        ("test_operator_browser", "test_pasting_a_published_notice_warns_and_templates_fill_the_form"),
    ],
    "accessibility": [
        ("test_public_browser", "test_share_skip_link_labels_legend_and_print"),
        ("test_public_browser", "test_every_verdict_state_is_said_in_words_in_the_first_screen"),
    ],
}


def _sizes_of(test: Any) -> list[str]:
    """The sizes a test runs at: its ``size`` parametrisation, or ``SIZES`` when its body loops over it."""
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] == "size":
            return list(mark.args[1])
    return list(SIZES) if re.search(r"\bfor .+ in .*\bSIZES\b", inspect.getsource(test)) else []


@pytest.mark.parametrize("bullet", list(CHECKLIST))
def test_every_bullet_of_issue_13_has_browser_tests_at_both_sizes(bullet: str) -> None:
    for module_name, name in CHECKLIST[bullet]:
        module = importlib.import_module(f"tests.webapp.{module_name}")
        test = getattr(module, name, None)
        assert callable(test), (bullet, module_name, name)
        module_marks = getattr(module, "pytestmark", [])
        module_marks = module_marks if isinstance(module_marks, list) else [module_marks]
        marks = {m.name for m in [*getattr(test, "pytestmark", []), *module_marks]}
        assert "browser" in marks, (bullet, name, marks)  # it runs in Chromium (make browser-test)
        assert _sizes_of(test) == list(SIZES), (bullet, name, _sizes_of(test))
