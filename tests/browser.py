"""How the browser tests start Debian's Chromium (docs/DESIGN.md §8): one place for both suites."""

import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def guarded_page(browser, **context_options):  # type: ignore[no-untyped-def]
    """A new page whose requests to non-loopback hosts are aborted; returns ``(page, problems, foreign)``.

    ``problems`` collects page errors and console errors, ``foreign`` the aborted URLs: a test
    asserts both empty at its end. ``context_options`` go to ``browser.new_context`` (viewport,
    locale, accept_downloads, …).
    """
    from urllib.parse import urlsplit

    problems: list[str] = []
    foreign: list[str] = []

    def guard(route, request) -> None:  # type: ignore[no-untyped-def]
        host = urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            foreign.append(request.url)
            route.abort()

    context = browser.new_context(**context_options)
    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    return page, problems, foreign


@contextmanager
def launched_chromium():  # type: ignore[no-untyped-def]
    """Debian's Chromium launched headless with :data:`ARGS`; skips when playwright or chromium is missing.

    Each suite's ``browser`` fixture yields from it at the scope it needs.
    """
    import pytest

    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()
