"""Generated survey traffic for the admin's survey pages, sent as the widget sends it: a decision for the visitor's
page, then survey_shown and the answers with the page's timings, through /v1/decide and /v1/events.

`slower_is_worse` makes pages with LCP over 2.5 s less satisfied (CSAT one point lower on average); without it,
satisfaction does not depend on speed at all. Fixed seeds: the same call sends the same answers."""

from __future__ import annotations

import random
import uuid

DEVICES = ("mobile", "desktop")
PAGES = ("/pricing", "/docs/start", "/")
THEMED_TEXTS = (
    "The checkout page is broken and I lost my cart",
    "Checkout page broken again, the checkout failed",
    "Shipping was slow and the parcel arrived late",
    "Late shipping again, the parcel took two weeks",
    "Great docs, the getting started guide was clear",
)


def _post(client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    assert response.status_code in (200, 202), response.text
    return response.json()


def answer_event(kind: str, **fields) -> dict:
    return {"id": uuid.uuid4().hex, "type": kind, **fields}


def visit(client, visitor: str, *, device: str, site: str = "pk_test") -> str:
    """One page view's decision for the hero block; returns the variant shown."""
    found = _post(client, "/v1/decide", {"site": site, "visitor": visitor, "blocks": ["hero"],
                                          "context": {"device": device}})
    return found["decisions"][0]["variant"]


def send(client, visitor: str, events: list[dict], site: str = "pk_test") -> None:
    _post(client, "/v1/events", {"site": site, "visitor": visitor, "events": events})


def pulse_traffic(client, *, visitors: int, seed: int, slower_is_worse: bool, site: str = "pk_test") -> list[dict]:
    """Each visitor sees the `pulse` survey and rates CSAT; returns what was sent (for hand-computed figures)."""
    rng = random.Random(seed)
    sent = []
    for i in range(visitors):
        visitor = f"pulse-{seed}-{i:05d}"
        device = DEVICES[i % 2]
        variant = visit(client, visitor, device=device, site=site)
        slow = rng.random() < 0.5
        lcp = rng.uniform(2600, 6000) if slow else rng.uniform(600, 2400)
        mean = 3.2 if slow and slower_is_worse else 4.2
        csat = max(1, min(5, round(rng.gauss(mean, 0.8))))
        tech = {"lcp_ms": lcp, "ttfb_ms": rng.uniform(100, 700), "decide_ms": rng.uniform(10, 60), "js_errors": 0}
        page = PAGES[i % 3]
        send(client, visitor, [answer_event("survey_shown", survey="pulse", page=page),
                               answer_event("survey_answer", survey="pulse", question="sat", value=csat, page=page,
                                      tech=tech)], site=site)
        sent.append({"visitor": visitor, "device": device, "variant": variant, "csat": csat, "lcp": lcp,
                     "page": page})
    return sent


def feedback_texts(client, *, seed: int, site: str = "pk_test", extra: tuple[str, ...] = ()) -> None:
    """Open answers to the nps survey's `why` question: two clear themes (checkout, shipping) and a few others."""
    rng = random.Random(seed)
    for i, text in enumerate([*THEMED_TEXTS * 4, *extra]):
        visitor = f"text-{seed}-{i:05d}"
        send(client, visitor, [answer_event("survey_shown", survey="nps"),
                               answer_event("survey_answer", survey="nps", question="score", value=rng.randint(0, 6)),
                               answer_event("survey_answer", survey="nps", question="why", text=text)], site=site)
