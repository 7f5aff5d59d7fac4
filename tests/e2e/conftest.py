"""Fixtures for the end-to-end tests: real Chromium (Debian's, no download) against a real `attune serve`.

One browser per session, one fresh browser context (a new visitor) per test, one static server for the
site owner's pages (another origin than the API), and one `attune serve` per session on attune-e2e.toml: tests
read counters as differences (`settled`) and every test is a new visitor, so none needs a server of its own.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.config import render_config
from tests.e2e.site import StaticSite
from tests.e2e.visit import WATCH_CSP, Visit
from tests.support.admin import FIRST_PASSWORD_ENV, PASSWORD
from tests.support.server import ROOT, AttuneServer

HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run"]
WIDGET = ROOT / "widget" / "dist" / "attune.js"
WIDGET_SOURCES = [ROOT / "widget" / "src", ROOT / "sdk_js" / "src"]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"end-to-end tests need Debian's chromium at {CHROMIUM} (./dev test installs it)")
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def widget_bundle() -> Path:
    """The built widget the server serves; rebuilt (as ./dev does) when missing or older than its sources."""
    newest = max(p.stat().st_mtime for folder in WIDGET_SOURCES for p in folder.rglob("*.ts"))
    if not WIDGET.exists() or WIDGET.stat().st_mtime < newest:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"{WIDGET} is missing or stale and npm is not installed: run ./dev test")
        built = subprocess.run([npm, "run", "build", "--silent"], cwd=ROOT, capture_output=True, text=True)
        if built.returncode != 0:
            pytest.fail(f"npm run build failed:\n{built.stdout[-3000:]}\n{built.stderr[-3000:]}")
    return WIDGET


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def site():
    """The site owner's pages, on an origin that attune-e2e.toml allows."""
    running = StaticSite().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stranger_site():
    """Pages on an origin that no site allows."""
    running = StaticSite().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def attune(tmp_path_factory, site, widget_bundle):
    """`attune serve` on attune-e2e.toml, allowing exactly the static site's origin; one per session. The
    per-address limit on privacy calls is off: every browser here is one address (it is tested in-process)."""
    directory = tmp_path_factory.mktemp("e2e")
    config = directory / "attune-e2e.toml"
    config.write_text(render_config(site.origin))
    running = AttuneServer(directory / "data", config=config,  # the first admin's password: tests read results
                           env={"ATTUNE_PRIVACY_PER_MINUTE": "0", FIRST_PASSWORD_ENV: PASSWORD}).start()
    yield running
    running.stop()


@pytest.fixture
def new_visit(browser):
    """Open a tab as a new visitor (own cookies and storage); context options as for browser.new_context."""
    contexts = []

    def open_tab(**options) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
        context.add_init_script(WATCH_CSP)
        contexts.append(context)
        return Visit(context.new_page())

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def visit(new_visit) -> Visit:
    return new_visit()
