"""Open an HTML file in headless Chromium and report what a reader would see go wrong.

Talks to the browser over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages ending in a NUL byte, commands on
file descriptor 3, answers and events on 4), so it needs nothing but the
``chromium`` executable (Debian package ``chromium``) — no driver, no
network port. The page is loaded offline (background networking,
component updates and sync off) and checked for:

* console errors and uncaught exceptions,
* resources that failed to load,
* images that did not decode (``complete`` and a natural width > 0);

then runs a script a test gives (sort a table, move a slider, read what the
page shows) and saves a screenshot of the whole page.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BrowserCheck", "check_html", "find_chromium"]

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
]
_IMAGES_JS = """JSON.stringify({
  images: document.images.length,
  broken: Array.from(document.images)
    .filter(i => !(i.complete && i.naturalWidth > 0))
    .map(i => (i.getAttribute('alt') || i.src.slice(0, 60))),
  title: document.title,
  width: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight})"""


@dataclass
class BrowserCheck:
    """What the browser saw.

    Attributes
    ----------
    images : int
        ``<img>`` elements on the page.
    broken_images : list of str
        Alt text (or source) of the images that did not load or decode.
    console_errors : list of str
        Console errors, uncaught exceptions and failed resource loads.
    title : str
        The page title.
    size : tuple of int
        Width and height of the whole page, CSS pixels.
    screenshot : Path or None
        The PNG written, if one was asked for.
    evaluated : object
        What the ``script`` given to :func:`check_html` returned (JSON values).
    """

    images: int
    broken_images: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    title: str = ""
    size: tuple[int, int] = (0, 0)
    screenshot: Path | None = None
    evaluated: Any = None

    @property
    def ok(self) -> bool:
        """True when no image is broken and the console shows no error."""
        return not self.broken_images and not self.console_errors


def find_chromium() -> str | None:
    """Path of a Chromium executable on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _Pipe:
    """The DevTools protocol over the browser's pipe: send commands, collect events."""

    def __init__(self, to_browser: int, from_browser: int, timeout: float) -> None:
        self.write_fd, self.read_fd = to_browser, from_browser
        self.deadline = time.monotonic() + timeout
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            ready, _, _ = select.select([self.read_fd], [], [], max(left, 0))
            if not ready:
                msg = "Chromium did not answer in time."
                raise TimeoutError(msg)
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                msg = "Chromium closed its DevTools pipe (did it crash?)."
                raise ConnectionError(msg)
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(raw)

    def notify(self, method: str) -> None:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": {}}
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    msg = f"DevTools {method} failed: {answer['error']}"
                    raise RuntimeError(msg)
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._message())


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            found.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.append(f"exception: {details.get('text', '')} {details.get('exception', {})}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(f"log: {params['entry'].get('text', '')} {params['entry'].get('url', '')}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            found.append(f"failed to load: {params.get('errorText', '')}")
    return found


def check_html(
    path: str | Path,
    screenshot: str | Path | None = None,
    width: int = 1280,
    timeout: float = 120.0,
    chromium: str | None = None,
    script: str | None = None,
) -> BrowserCheck:
    """Load ``path`` in headless Chromium; return what went wrong and save a screenshot.

    Parameters
    ----------
    path : path
        The HTML file, opened as a ``file://`` URL.
    screenshot : path, optional
        Where to save a PNG of the whole page (at ``width`` CSS pixels).
    timeout : float
        Seconds before giving up on the browser (a hung browser is an error,
        never a hang).
    script : str, optional
        A JavaScript expression evaluated once the page has loaded (after the
        checks, before the screenshot); its JSON value is
        :attr:`BrowserCheck.evaluated`. An exception in it is an error.

    Raises
    ------
    FileNotFoundError
        If the file or the Chromium executable is missing.
    TimeoutError, ConnectionError
        If the browser does not answer or exits.
    """
    path = Path(path).resolve()
    if not path.is_file():
        msg = f"No HTML file at {path}."
        raise FileNotFoundError(msg)
    executable = chromium or find_chromium()
    if executable is None:
        msg = "Chromium not found; install it (Debian: apt-get install chromium)."
        raise FileNotFoundError(msg)
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def wire_fds() -> None:
        # In the child: the protocol's fds 3 (in) and 4 (out). Copy both above 9
        # first, so placing one cannot overwrite the other.
        high_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(high_in, 3)  # dup2 clears close-on-exec: these two reach Chromium
        os.dup2(high_out, 4)

    with tempfile.TemporaryDirectory(prefix="segbench-chromium-") as profile:
        process = subprocess.Popen(
            [executable, *_FLAGS, f"--user-data-dir={profile}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds,
            close_fds=False,  # Python's own fds are close-on-exec
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        try:
            pipe = _Pipe(to_browser_w, from_browser_r, timeout)
            return _drive(pipe, path, screenshot, width, script)
        finally:
            os.close(to_browser_w)
            os.close(from_browser_r)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _drive(
    pipe: _Pipe, path: Path, screenshot: str | Path | None, width: int, script: str | None
) -> BrowserCheck:
    target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
    session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        pipe.send(f"{domain}.enable", session)
    # The page is laid out for a desktop window of ``width`` CSS pixels.
    pipe.send(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    pipe.send("Page.navigate", session, url=path.as_uri())
    pipe.wait_for("Page.loadEventFired")
    value = pipe.send("Runtime.evaluate", session, expression=_IMAGES_JS, returnByValue=True)[
        "result"
    ]["value"]
    page = json.loads(value)
    check = BrowserCheck(
        page["images"],
        page["broken"],
        _errors(pipe.events),
        page["title"],
        (int(page["width"]), int(page["height"])),
    )
    if script is not None:
        answer = pipe.send(
            "Runtime.evaluate", session, expression=script, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            msg = f"The script failed in the page: {answer['exceptionDetails']}"
            raise RuntimeError(msg)
        check.evaluated = answer["result"].get("value")
    if screenshot is not None:
        height = max(int(page["height"]), 1)
        pipe.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = pipe.send(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        check.screenshot = Path(screenshot)
        check.screenshot.parent.mkdir(parents=True, exist_ok=True)
        check.screenshot.write_bytes(base64.b64decode(shot["data"]))
    pipe.notify("Browser.close")  # no answer to wait for: the browser exits
    return check
