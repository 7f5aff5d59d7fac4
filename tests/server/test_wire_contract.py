"""The wire contract in the repository, docs/openapi.json, is what the server serves at /schema/openapi.json.

The JS SDK's wire types are generated from that file (sdk_js/scripts/wire_types.mjs, checked by `npm test`),
so a field changed in a Struct reaches the browser side only through it. After changing the contract,
rewrite the file with `.venv/bin/python -m tests.server.test_wire_contract`.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.inprocess import attune

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REGENERATE = "  .venv/bin/python -m tests.server.test_wire_contract && npm run wire-types -w sdk_js"


def served(data_dir: Path) -> dict[str, Any]:
    """The OpenAPI document of an in-process Attune started on `data_dir`."""
    with attune(data_dir) as app:
        response = app.client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def render(document: dict[str, Any]) -> str:
    """The committed form: keys sorted (the server orders some headers differently from run to run, so a
    regeneration shows only real changes), two-space indent, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_committed_openapi_is_what_the_server_serves(tmp_path: Path) -> None:
    document = served(tmp_path / "data")
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    if committed != document:
        changed = sorted(
            name for name in set(committed["components"]["schemas"]) | set(document["components"]["schemas"])
            if committed["components"]["schemas"].get(name) != document["components"]["schemas"].get(name)
        )
        paths = sorted(path for path in set(committed["paths"]) | set(document["paths"])
                       if committed["paths"].get(path) != document["paths"].get(path))
        pytest.fail(
            f"docs/openapi.json differs from what the server serves (schemas: {changed or 'none'}; "
            f"paths: {paths or 'none'}). If the change is meant, regenerate the contract and the SDK's types:\n"
            f"{REGENERATE}",
            pytrace=False,
        )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        text = render(served(Path(scratch) / "data"))
    COMMITTED.parent.mkdir(exist_ok=True)
    COMMITTED.write_text(text, encoding="utf-8")
    print(f"wrote {COMMITTED} ({len(text)} bytes)", file=sys.stderr)
