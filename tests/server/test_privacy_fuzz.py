"""Schemathesis against the visitor data rights endpoints: no 5xx, and every answer is one the document lists.

As tests/server/test_schemathesis.py does for the rest of the data plane (its helpers are reused): fixed seed,
bounded examples, each case sent as generated and aimed at the demo site. The rate limit is off, so the
generated bodies reach the services rather than a 429.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.python import asgi

from tests.server.test_schemathesis import at_demo_block, at_demo_site, operations, run_operation

EXAMPLES = 60
PRIVACY_PATHS = {"/v1/consent", "/v1/visitor/profile", "/v1/visitor/interests", "/v1/visitor/ratings/undo",
                 "/v1/visitor/export", "/v1/visitor/erase", "/v1/sites/{site}/privacy"}


@pytest.fixture
def api(tmp_path):
    from server.app import serving_app
    from server.config.loader import load_config
    from server.runtime import Runtime
    from server.settings import Settings

    runtime = Runtime(Settings(data_dir=tmp_path / "data", privacy_per_minute=0), load_config())
    app = serving_app(runtime)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)  # starts the lifespan
    try:
        yield schema, asgi.get_client(app)
    finally:
        asgi.shutdown_lifespans()


def test_the_visitor_rights_endpoints_answer_as_documented(api):
    schema, session = api
    found = [op for op in operations(schema, "/v1/") if op.path in PRIVACY_PATHS]
    assert {op.path for op in found} == PRIVACY_PATHS
    failures = [f for op in found
                for f in run_operation(op, session, EXAMPLES, aim=at_demo_block if "{" in op.path else at_demo_site)]
    assert not failures, "\n".join(failures[:20])
