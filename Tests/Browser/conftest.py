"""Fixtures of the browser tests: the visivo binary, one headless Chromium for the whole
run, a fresh tab per test, projects copied into tmp dirs with their SQLite databases made
from their .sql files, `visivo dist` and `visivo serve` runs, and screenshots.

Run:  VISIVO_BINARY=.build/debug/visivo python3 -m pytest -q Tests/Browser
Nothing here skips: a missing binary or browser fails the run.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cdp import Browser, BrowserMissing, find_chromium  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart"
EVERY_ITEM = REPO / "Tests" / "Fixtures" / "viewer" / "every-item"
SCREENSHOTS = REPO / ".build" / "screenshots"
DOC_IMAGES = REPO / "docs" / "images"


def pytest_configure(config):
    binary = os.environ.get("VISIVO_BINARY")
    if not binary:
        raise pytest.UsageError("VISIVO_BINARY is not set: point it at the visivo binary "
                                "(e.g. VISIVO_BINARY=.build/debug/visivo)")
    if not os.access(binary, os.X_OK):
        raise pytest.UsageError(f"VISIVO_BINARY={binary} is not an executable file")
    try:
        find_chromium()
    except BrowserMissing as missing:  # no browser is a failure, never a skip
        raise pytest.UsageError(str(missing)) from None


def visivo_binary():
    return str(Path(os.environ["VISIVO_BINARY"]).resolve())


# MARK: - projects


def copy_project(source, destination, sql, db):
    """Copy the project folder ``source`` to ``destination`` (without its target/, cache
    or databases) and make ``db`` from ``sql`` (both relative to the project) with sqlite3."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(
        "target", ".visivo", "dist", "*.db", "*.sqlite"))
    connection = sqlite3.connect(destination / db)
    connection.executescript((destination / sql).read_text())
    connection.commit()
    connection.close()
    return destination


@pytest.fixture
def quickstart(tmp_path):
    """A copy of examples/quickstart with data/shop.db made from data/shop.sql."""
    return copy_project(QUICKSTART, tmp_path / "quickstart", "data/shop.sql", "data/shop.db")


@pytest.fixture
def every_item(tmp_path):
    """A copy of Tests/Fixtures/viewer/every-item with data/items.db."""
    return copy_project(EVERY_ITEM, tmp_path / "every-item", "data/items.sql", "data/items.db")


def run_visivo(*args, ok=(0,), timeout=120):
    """Run the CLI; fail with its output unless its exit status is in ``ok``."""
    result = subprocess.run([visivo_binary(), *map(str, args)], capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode in ok, (
        f"visivo {' '.join(map(str, args))} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def dist(project, ok=(0,)):
    """`visivo dist -w project -d <sibling folder>`; returns the folder."""
    out = project.parent / f"{project.name}-dist"
    run_visivo("dist", "-w", project, "-d", out, ok=ok)
    assert (out / "index.html").is_file(), f"visivo dist wrote no {out}/index.html"
    return out


# MARK: - visivo serve


class Serve:
    """`visivo serve -w DIR -p 0 --host 127.0.0.1` in its own process group; ``url`` is
    the address it prints. ``stop()`` sends SIGINT and returns the exit status."""

    LINE = re.compile(r"^serving (.*) at (http://127\.0\.0\.1:(\d+)/)\s*$")

    def __init__(self, project, timeout=60):
        self.output = []
        self.process = subprocess.Popen(
            [visivo_binary(), "serve", "-w", str(project), "-p", "0", "--host", "127.0.0.1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        self._ready = threading.Event()
        self.url = None
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(timeout) or self.url is None:
            self.kill()
            raise AssertionError(f"visivo serve printed no `serving ... at http://127.0.0.1:PORT/` "
                                 f"line in {timeout}s; output:\n" + "".join(self.output))

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)
            match = self.LINE.match(line)
            if match and self.url is None:
                self.name, self.url = match.group(1), match.group(2)
                self._ready.set()
        self._ready.set()

    def stop(self, timeout=10):
        """SIGINT (Ctrl-C), then the exit status; fails if it does not stop in time."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"visivo serve did not stop within {timeout}s of SIGINT; "
                                 "output:\n" + "".join(self.output))

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self):
        return "".join(self.output[-60:])


@pytest.fixture
def serve():
    """A factory: ``serve(project)`` starts a server that is stopped after the test."""
    servers = []

    def start(project):
        server = Serve(project)
        servers.append(server)
        return server

    yield start
    for server in servers:
        try:
            server.stop()
        finally:
            server.kill()


# MARK: - the browser


@pytest.fixture(scope="session")
def browser():
    with Browser() as b:
        yield b


@pytest.fixture
def page(browser):
    """A new 1400x900 tab per test."""
    tab = browser.new_page(width=1400, height=900)
    yield tab
    tab.close()


@pytest.fixture
def shot(request):
    """``shot(page, label)`` saves a PNG as .build/screenshots/<test>-<label>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(tab, label, full_page=False):
        return tab.screenshot(str(SCREENSHOTS / f"{test}-{label}.png"), full_page=full_page)

    return take


def wait_until(predicate, timeout, message):
    """Poll a Python predicate (for files and processes, not the page)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(message)
