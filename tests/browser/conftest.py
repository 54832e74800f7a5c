"""End-to-end tests in headless Chromium (Debian's ``chromium``, driven by
playwright; no browser is ever downloaded).

The app is served exactly as ``bash scripts/run`` serves it (``panel serve
apps/workbench.py`` in its own process, on 127.0.0.1) once per test module.
Every page records the requests it makes: a request that leaves localhost
fails the test (the app must work offline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.serve import free_port, stop_process, wait_http

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SHOTS = Path(os.environ.get("NEUROWORKBENCH_SCREENSHOTS", ROOT / "build" / "screenshots"))


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs Chromium at {CHROMIUM} (.ci/run installs it)")
    skip = pytest.mark.skip(reason="no chromium on this machine (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's hook: Debian's chromium, never `playwright install`."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}






@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``panel serve apps/workbench.py`` on a free port; killed afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "serve.log"
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue", "OMP_WAIT_POLICY": "passive"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.serve", "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_http(f"http://127.0.0.1:{port}/liveness", proc)
        yield f"http://127.0.0.1:{port}/workbench"
    finally:
        stop_process(proc)
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(text[-4000:])


@pytest.fixture
def offline_page(page):
    """A page that fails the test if anything is fetched from outside localhost."""
    outside: list[str] = []

    def check(request):
        url = request.url
        if not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            outside.append(url)

    page.on("request", check)
    yield page
    assert not outside, f"requests left localhost: {outside[:5]}"


@pytest.fixture
def shot():
    """``shot(page, name)`` saves a screenshot under build/screenshots (for people)."""
    def save(page, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, timeout=90_000)
        return path
    return save
