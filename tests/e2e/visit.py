"""One visitor's tab: the page, what it sent to Attune, and what it reported (page errors, console)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, Request

# Runs before the page's own scripts (init scripts run under any CSP): collects the CSP violations the page reports.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


@dataclass
class Sent:
    """One request to an Attune API: its URL path, parsed JSON body (None for beacons) and resource type."""

    path: str
    body: dict | None
    resource: str  # "fetch", or "ping" for navigator.sendBeacon


class Visit:
    """A browser tab driven like a visitor would, recording every POST to an Attune /v1/ endpoint."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.sent: list[Sent] = []
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append((message.type, message.text)))
        page.on("request", self._record)

    def _record(self, request: Request) -> None:
        path = urlsplit(request.url).path  # any origin: a test may point data-endpoint elsewhere
        if not path.startswith("/v1/") or request.method != "POST":
            return
        try:
            body = json.loads(request.post_data) if request.post_data else None
        except ValueError:
            body = None
        self.sent.append(Sent(path, body, request.resource_type))

    # --- driving the page ---

    def open(self, url: str) -> Visit:
        self.page.goto(url)
        return self.ready()

    def ready(self) -> Visit:
        """Wait for the widget to load and finish its first pass (`attune.ready`)."""
        self.page.wait_for_function("() => window.attune && !Array.isArray(window.attune) && !!window.attune.ready")
        self.page.evaluate("() => window.attune.ready")
        return self

    def flush(self) -> None:
        self.page.evaluate("() => window.attune.flush()")

    def block(self, name: str) -> Locator:
        return self.page.locator(f'[data-attune-block="{name}"]')

    def state(self, name: str) -> str | None:
        return self.block(name).get_attribute("data-attune-state")

    def decision(self, name: str) -> str | None:
        return self.block(name).get_attribute("data-attune-decision")

    def variant(self, name: str) -> str | None:
        return self.block(name).get_attribute("data-attune-variant")

    def scroll_to(self, y: float) -> None:
        self.page.evaluate("(y) => window.scrollTo(0, y)", y)

    # --- the page's clock ---

    def fake_clock(self) -> Visit:
        """Give the page Playwright's clock before it opens: it runs on in real time until `let_time_pass`."""
        self.page.clock.install()
        return self

    def let_time_pass(self, ms: int) -> None:
        """`ms` of the page's timers at once (the widget's 1 s of visibility) once the page has rendered what
        is on screen now, so its IntersectionObserver has already said which blocks are in view."""
        self.rendered()
        self.page.clock.run_for(ms)

    def rendered(self) -> None:
        """Wait for a rendering step: a new IntersectionObserver's first report comes with it, after those of the
        observers made before it (the widget's), which the browser notifies in the same task, in creation order."""
        self.page.evaluate("""() => new Promise((resolve) => {
            const observer = new IntersectionObserver(() => { observer.disconnect(); resolve(); });
            observer.observe(document.documentElement);
        })""")

    # --- what it sent ---

    @property
    def decides(self) -> list[dict]:
        return [s.body for s in self.sent if s.path == "/v1/decide" and s.body is not None]

    def events(self, kind: str | None = None, decision: str | None = None) -> list[dict]:
        """Events sent by fetch (beacons carry no readable body here), each with its batch's visitor id."""
        return [{**event, "visitor": s.body.get("visitor")}
                for s in self.sent if s.path == "/v1/events" and s.body is not None
                for event in s.body["events"]
                if kind in (None, event["type"]) and decision in (None, event.get("decision_id"))]

    def wait_for_events(self, kind: str, decision: str | None = None, *, timeout: float = 5.0) -> list[dict]:
        """Flush until an event of this type (for this decision) has been sent; returns them."""
        deadline = time.monotonic() + timeout
        while not self.events(kind, decision) and time.monotonic() < deadline:
            self.flush()
            self.page.wait_for_timeout(100)
        return self.events(kind, decision)

    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"]

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("() => window.__cspViolations || []")

    def storage(self) -> dict[str, dict[str, str]]:
        """Everything in this origin's localStorage and sessionStorage."""
        return self.page.evaluate("""() => Object.fromEntries([["local", localStorage], ["session", sessionStorage]]
            .map(([name, store]) => [name, Object.fromEntries(Object.keys(store).map((k) => [k, store[k]]))]))""")


def wait_for(condition: Callable[[], object], timeout: float = 5.0, interval: float = 0.05) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; returns its last verdict."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def settled(attune, field: str, still: float = 0.3) -> int:
    """A /healthz counter once it has not moved for `still` seconds: "log_position" once the learner has read
    everything committed, "learned" once the reward windows opened earlier have closed."""
    value, since = attune.health()[field], time.monotonic()
    while time.monotonic() - since < still:
        time.sleep(0.05)
        now = attune.health()[field]
        if now != value:
            value, since = now, time.monotonic()
    return value
