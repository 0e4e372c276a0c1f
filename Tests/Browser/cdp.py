"""A small Chrome DevTools Protocol driver over Chromium's ``--remote-debugging-pipe``.

Standard library only. Chromium reads protocol messages from its file descriptor 3 and
writes its own to descriptor 4; each message is one JSON object followed by a NUL byte.

    with Browser() as browser:
        page = browser.new_page(width=1400, height=900)
        page.navigate("file:///tmp/site/index.html")
        page.wait_for("document.querySelector('.vz-plot')")
        print(page.evaluate("document.title"))
        page.screenshot("/tmp/shot.png")
        assert not page.errors, page.errors

Chromium is ``$CHROMIUM`` or ``chromium`` on PATH; if there is none, ``Browser()`` raises
``BrowserMissing`` (a test run without a browser must fail, not skip).
"""

import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


class BrowserMissing(RuntimeError):
    """No Chromium binary was found."""


class ProtocolError(RuntimeError):
    """Chromium answered a command with an error, or did not answer in time."""


class JSError(RuntimeError):
    """An evaluated expression threw (or its promise rejected)."""


class WaitTimeout(AssertionError):
    """``Page.wait_for`` gave up; the message holds the last value and the console."""


def find_chromium():
    """The Chromium binary to run: ``$CHROMIUM``, else ``chromium`` (or ``chromium-browser``) on PATH."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        path = shutil.which(explicit)
        if not path:
            raise BrowserMissing(f"$CHROMIUM={explicit} is not an executable")
        return path
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserMissing(
        "no Chromium found: set $CHROMIUM or put `chromium` on PATH (apt-get install chromium)"
    )


class Browser:
    """One headless Chromium process, driven through the debugging pipe."""

    def __init__(self, binary=None, extra_args=(), timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="visivo-chromium-")
        # stderr goes to a file opened for appending (a pipe nobody reads could fill up)
        fd, self._stderr_path = tempfile.mkstemp(prefix="visivo-chromium-", suffix=".log")
        os.close(fd)
        self._stderr = open(self._stderr_path, "ab")
        # The child's ends of the two pipes are moved to descriptors >= 10 so that putting
        # them at 3 and 4 in the child cannot clobber one with the other.
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        child_in = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        argv = [
            binary or find_chromium(),
            "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--mute-audio", "--hide-scrollbars",
            "--disable-breakpad", "--disable-crash-reporter",
            "--allow-file-access-from-files", *extra_args, "about:blank",
        ]
        # subprocess keeps pass_fds at their own numbers; a one-line Python trampoline
        # moves them to 3 and 4 (dup2 clears close-on-exec) and becomes Chromium.
        shim = (f"import os, sys; os.dup2({child_in}, 3); os.dup2({child_out}, 4); "
                "os.execv(sys.argv[1], sys.argv[1:])")
        self.process = subprocess.Popen(
            [sys.executable, "-c", shim, *argv],
            pass_fds=(child_in, child_out),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
            start_new_session=True,  # its own process group, killed as a whole in close()
        )
        os.close(child_in)
        os.close(child_out)
        self._writer = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._reader = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._lock = threading.Condition()
        self._next_id = 0
        self._responses = {}      # command id -> message
        self._listeners = []      # callables(message) for events
        self._closed = False
        threading.Thread(target=self._read_loop, name="cdp-reader", daemon=True).start()
        try:
            self.version = self.send("Browser.getVersion")["product"]
        except Exception:
            self.close()
            raise

    # MARK: - protocol

    def _read_loop(self):
        """Split the pipe into NUL-terminated messages; file answers and fan out events."""
        buffer = b""
        while True:
            chunk = self._reader.read(65536)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        self._responses[message["id"]] = message
                        self._lock.notify_all()
                else:
                    for listener in list(self._listeners):
                        listener(message)
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def send(self, method, session_id=None, timeout=None, **params):
        """Send one command and return its ``result``; raise ``ProtocolError`` on an error."""
        with self._lock:
            self._next_id += 1
            command_id = self._next_id
        message = {"id": command_id, "method": method, "params": params}
        if session_id:
            message["sessionId"] = session_id
        self._writer.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._lock:
            while command_id not in self._responses:
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    why = "the browser went away" if self._closed else "no answer in time"
                    raise ProtocolError(f"{method}: {why}; stderr: {self._stderr_tail()}")
                self._lock.wait(remaining)
            response = self._responses.pop(command_id)
        if "error" in response:
            raise ProtocolError(f"{method}: {response['error'].get('message')} {params}")
        return response.get("result", {})

    def _stderr_tail(self):
        """The end of what Chromium wrote on stderr."""
        with open(self._stderr_path, "rb") as log:
            return log.read().decode(errors="replace")[-2000:] or "(nothing)"

    # MARK: - pages and lifetime

    def new_page(self, width=1400, height=900):
        """Open a new tab, attach to it (flat session) and return a ``Page``."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, target, session)
        page.set_viewport(width, height)
        return page

    def close(self):
        """Ask Chromium to quit, then kill its whole process group; remove the profile."""
        if self.process.poll() is None:
            try:
                self.send("Browser.close", timeout=5)
            except Exception:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # helpers (zygote, renderers) too
        except ProcessLookupError:
            pass
        self.process.wait()
        for stream in (self._writer, self._reader, self._stderr):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
        os.unlink(self._stderr_path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Page:
    """One tab: navigation, evaluation, waiting, console capture, screenshots, input."""

    def __init__(self, browser, target_id, session_id):
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id
        self.console = []   # every console message, as "type: text"
        self.errors = []    # console errors/asserts, uncaught exceptions, error log entries
        self.requests = []  # URL of every request the page made
        self._loads = 0     # Page.loadEventFired count
        browser._listeners.append(self._on_event)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def send(self, method, **params):
        """A command in this page's session."""
        return self.browser.send(method, session_id=self.session_id, **params)

    def _on_event(self, message):
        if message.get("sessionId") != self.session_id:
            return
        method, params = message["method"], message.get("params", {})
        if method == "Page.loadEventFired":
            with self.browser._lock:
                self._loads += 1
                self.browser._lock.notify_all()
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(_remote_text(arg) for arg in params.get("args", []))
            self.console.append(f"{params['type']}: {text}")
            if params["type"] in ("error", "assert"):
                self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            where = f"{details.get('url', '')}:{details.get('lineNumber', 0) + 1}"
            self.errors.append(f"uncaught exception at {where}: {text}")
            self.console.append(f"exception: {text}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.errors.append(f"log {entry.get('source')}: {entry['text']} {entry.get('url', '')}")
            self.console.append(f"log error: {entry['text']} {entry.get('url', '')}")

    def set_viewport(self, width, height):
        """Emulate a window of ``width`` x ``height`` CSS pixels."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.width, self.height = width, height

    # MARK: - navigation

    def navigate(self, url, timeout=20.0):
        """Go to ``url`` and wait for its load event."""
        self._await_load(lambda: self.send("Page.navigate", url=url), timeout, url)

    def reload(self, timeout=20.0):
        """Reload the page (a real navigation) and wait for its load event."""
        self._await_load(lambda: self.send("Page.reload", ignoreCache=True), timeout, "reload")

    def _await_load(self, start, timeout, what):
        lock = self.browser._lock
        with lock:
            before = self._loads
        result = start()
        if result.get("errorText"):
            raise ProtocolError(f"navigation to {what} failed: {result['errorText']}")
        deadline = time.monotonic() + timeout
        with lock:
            while self._loads == before:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"{what}: no load event in {timeout}s; {self._log()}")
                lock.wait(remaining)

    # MARK: - JavaScript

    def evaluate(self, expression, timeout=20.0):
        """Evaluate ``expression`` in the page (promises awaited) and return its JSON value."""
        result = self.browser.send(
            "Runtime.evaluate", session_id=self.session_id, timeout=timeout,
            expression=expression, awaitPromise=True, returnByValue=True,
            userGesture=True,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise JSError(f"{text}\n  in: {expression}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=10.0, interval=0.05, message=""):
        """Poll ``expression`` until it is truthy and return its value, else raise
        ``WaitTimeout`` with the last value (or error) and the page's console."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                last = self.evaluate(expression)
                if last:
                    return last
            except JSError as error:
                last = f"(threw) {error}"
            except ProtocolError as error:  # a navigation replaced the context: retry
                if "context" not in str(error).lower() and "navigat" not in str(error).lower():
                    raise
                last = f"(no context) {error}"
            if time.monotonic() >= deadline:
                raise WaitTimeout(
                    f"{message or 'wait_for'}: `{expression}` not truthy after {timeout}s; "
                    f"last value: {last!r}; {self._log()}"
                )
            time.sleep(interval)

    def _log(self):
        return "console:\n    " + "\n    ".join(self.console[-30:] or ["(nothing)"])

    # MARK: - input (through the DOM)

    def click(self, selector):
        """``element.click()`` on the first match of ``selector`` (raises if none)."""
        self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) throw new Error('click: nothing matches ' + {json.dumps(selector)});
            el.scrollIntoView({{block: 'center'}});
            el.click();
            return true;
        }})()""")

    def click_and_wait_load(self, selector, timeout=20.0):
        """Click a link (or anything that navigates) and wait for the new page's load."""
        self._await_load(lambda: self.click(selector) or {}, timeout, f"click on {selector}")

    def type(self, selector, text):
        """Focus the field, set its value and fire ``input`` and ``change``."""
        self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) throw new Error('type: nothing matches ' + {json.dumps(selector)});
            el.focus();
            el.value = {json.dumps(text)};
            el.dispatchEvent(new Event('input', {{bubbles: true}}));
            el.dispatchEvent(new Event('change', {{bubbles: true}}));
            return true;
        }})()""")

    def select(self, selector, value):
        """Pick ``value`` in a ``<select>`` and fire ``input`` and ``change``."""
        self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) throw new Error('select: nothing matches ' + {json.dumps(selector)});
            const values = [...el.options].map(o => o.value);
            if (!values.includes({json.dumps(value)}))
                throw new Error('select: no option ' + {json.dumps(value)} + ' in ' + values);
            el.value = {json.dumps(value)};
            el.dispatchEvent(new Event('input', {{bubbles: true}}));
            el.dispatchEvent(new Event('change', {{bubbles: true}}));
            return true;
        }})()""")

    # MARK: - screenshots

    def screenshot(self, path, full_page=False):
        """Write a PNG of the viewport (or of the whole page) to ``path``."""
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"],
                              "height": size["height"], "scale": 1}
        data = self.send("Page.captureScreenshot", **params)["data"]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as out:
            out.write(base64.b64decode(data))
        return path

    def close(self):
        """Close the tab."""
        self.browser._listeners.remove(self._on_event)
        self.browser.send("Target.closeTarget", targetId=self.target_id)


def _remote_text(arg):
    """A console argument (a RemoteObject) as text."""
    if "value" in arg:
        return str(arg["value"])
    return arg.get("description") or arg.get("unserializableValue") or arg.get("type", "")
