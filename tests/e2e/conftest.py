"""Browser tests: the real app served on localhost, driven in Debian's headless Chromium."""
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Chromium must not call home: this machine (and a dealer's LAN) may be offline.
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(./dev.sh test does) or set CHROMIUM_PATH."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test's app, served over HTTP on a free local port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser tab on the live server; a screenshot is kept if the test fails.

    Every request the page makes must stay on the app's own address (offline), and
    nothing on it may be blocked by the Content-Security-Policy.
    """
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    page = context.new_page()
    outside = []
    page.on("request", lambda r: r.url.startswith(live_server) or outside.append(r.url))
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # What the Content-Security-Policy blocked (an inline handler, a javascript: link, ...)
    page.csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text
            and page.csp_violations.append(m.text))
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert not outside, f"the page loaded from outside the app: {outside}"
    assert not errors, f"JavaScript errors: {errors}"
    if not getattr(page, "expects_csp_violations", False):
        assert not page.csp_violations, f"blocked by the CSP: {page.csp_violations}"
