"""What the visitor data rights tests share: their site, calls that must succeed, and a search of the whole log."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from server.decide.service import visitor_hash

PRIVACY_CONFIG = Path(__file__).parents[1] / "server" / "privacy-test.toml"
SITE = "pk_privacy"  # opt-in, banner, interests running and tea, accepted_traits ["plan"]


def new_id() -> str:
    return uuid.uuid4().hex


def post(client: httpx.Client, path: str, body: dict, status: int = 200, **options) -> dict:
    response = client.post(path, json=body, **options)
    assert response.status_code == status, response.text
    return response.json()


def decide(client: httpx.Client, blocks: list[str], *, visitor: str | None, site: str = SITE,
           headers: dict[str, str] | None = None, **extra) -> dict:
    return post(client, "/v1/decide", {"site": site, "blocks": blocks, "visitor": visitor, **extra}, headers=headers)


def rate(client: httpx.Client, *, visitor: str | None, decision_id: str, value: int, site: str = SITE) -> list[str]:
    """The visitor sees the decision and rates it; the two event ids."""
    events = [{"id": new_id(), "type": "impression", "decision_id": decision_id},
              {"id": new_id(), "type": "rating", "decision_id": decision_id, "value": value}]
    post(client, "/v1/events", {"site": site, "visitor": visitor, "events": events}, status=202)
    return [e["id"] for e in events]


def hashed(runtime, visitor: str, site: str = SITE) -> str:
    """The keyed hash a runtime stores for this visitor id."""
    return visitor_hash(runtime.visitor_key, site, visitor)


def tables_holding(app, text: str) -> dict[str, int]:
    """Every table of the DuckDB file with a row that holds `text` anywhere (any column, inside JSON too)."""
    app.settle()
    with app.runtime.event_log.cursor() as cursor:
        tables = [row[0] for row in cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        found = {table: cursor.execute(f'SELECT count(*) FROM "{table}" AS r WHERE r::VARCHAR LIKE ?',
                                       [f"%{text}%"]).fetchone()[0] for table in tables}
    assert {"decisions", "events", "consent_receipts", "visitor_interests", "erasure_receipts"} <= set(found)
    return {table: count for table, count in found.items() if count}
