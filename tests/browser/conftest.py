"""A real browser (the system Chromium, driven by Playwright) against a live server thread.

Run by `make test` when Chromium is installed; in CI (CI set) a missing Chromium is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; Django would then refuse the tests'
# own ORM calls as "async-unsafe" although they run synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must run the browser tests")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def site_url(django_db_setup, django_db_blocker):
    """A live server thread on a free loopback port, serving static files too."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    with django_db_blocker.unblock():
        # LIVE_SERVER_PORT pins the port (sessions sharing a machine are given ranges); 0: any free one.
        port = int(os.environ.get("LIVE_SERVER_PORT", "0"))
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=port)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait(timeout=30)
        if thread.error:
            raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def page(browser, site_url, db):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def shots():
    """Where screenshots go: SCREENSHOT_DIR (CI keeps them), else a temporary folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def axe():
    """axe-core (the copy axe-playwright-python ships) run inside the page."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def open_page(browser, site_url, db):
    """open_page(width, lang) → a page of that width whose JavaScript errors are collected in
    `page.errors`; each context is closed at the end of the test."""
    contexts = []

    def make(width: int, lang: str):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="en-US" if lang == "en" else "zh-CN"
        )
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(15000)
        pg.errors = []
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        return pg

    yield make
    for c in contexts:
        c.close()


def assert_accessible(page, axe, where: str) -> None:
    """No serious or critical axe finding on the page as it stands, and no JavaScript error."""
    found = [
        f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
        for v in axe.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not found, f"{where}: {found}"
    assert not page.errors, f"{where}: {page.errors}"


def assert_fits(page, where: str) -> None:
    """Nothing makes the page wider than the window (no sideways scrolling on a phone)."""
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{where}: {wide} px wide in a {window} px window"
