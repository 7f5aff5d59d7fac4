"""A site for the shared-state tests that keeps counters, offers interests and asks a profile question; and the
front proxy (server/scaled/front.py) in a thread, so requests go where a deployment sends them."""

from __future__ import annotations

import threading
from pathlib import Path

SITE = "pk_shared"
SITE_CONFIG = f"""
[[sites]]
key = "{SITE}"
consent = "opt-out"
holdout_share = 0.0

[sites.counters]
page_groups = {{ pricing = ["/pricing*"] }}

[sites.privacy]
interests = [{{ id = "outdoor", label = "Outdoor" }}, {{ id = "home", label = "Home" }}]

[[sites.blocks]]
id = "hero"
sticky = "session"  # a changed interest or trait must end the sticky decision, as in embedded mode
policy = "fixed"
split = {{ classic = 1 }}
fallback = "classic"
variants = [{{ id = "classic" }}, {{ id = "outdoor" }}, {{ id = "gift" }}]
rules = [{{ name = "Outdoor lovers", when = {{ interest_outdoor = true }}, force = "outdoor" }},
         {{ name = "Gift shoppers", when = {{ shopping_for = "gift" }}, force = "gift" }}]

[[sites.blocks]]
id = "help"
sticky = "none"
policy = "fixed"
split = {{ none = 1 }}
fallback = "none"
variants = [{{ id = "none" }}, {{ id = "pricing-help" }}]
rules = [{{ name = "pricing twice", when = {{ pricing_views = {{ gte = 2 }} }}, force = "pricing-help" }}]

[[sites.surveys]]
id = "about-you"
recontact = "always"
[[sites.surveys.questions]]
id = "shopping-for"
type = "single"
text = "Who are you shopping for?"
trait = "shopping_for"
choices = [{{ id = "me", label = "Myself" }}, {{ id = "gift", label = "A gift" }}]

[[sites.surveys]]
id = "pricing-doubts"
recontact = "always"
when = {{ pricing_views = {{ gte = 2 }} }}
[[sites.surveys.questions]]
id = "clear"
type = "thumbs"
text = "Are our prices clear?"
"""


def write_config(directory: Path) -> Path:
    """The API tests' configuration with this site added."""
    from tests.server.conftest import TEST_CONFIG

    path = directory / "shared.toml"
    path.write_text(TEST_CONFIG.read_text() + SITE_CONFIG)
    return path


class Front:
    """server/scaled/front.py's proxy on a free loopback port, in a thread of the test process."""

    def __init__(self, *, learner: str, edges: list[str]) -> None:
        import uvicorn

        from server.scaled.front import FrontProxy
        from tests.support.server import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(FrontProxy(learner=learner, edges=edges), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Front:
        from tests.scaled.cluster import wait_for

        self.thread.start()
        wait_for(lambda: self.server.started, timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
