"""Schemathesis against /schema/openapi.json, in-process: no 5xx, and every answer is one the document lists.

Seeds are fixed and examples bounded per operation, so a failure replays and the tests stay under a minute.
Each generated case is sent twice: as generated (mostly an unknown site or block: 404) and aimed at the
demo site's `hero` block, so the 2xx answers are checked too. The admin API runs signed in as an editor,
with the CSRF header; signing out runs last.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.admin import PASSWORD

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
DATA_PLANE_EXAMPLES = 100
ADMIN_EXAMPLES = 20
SEED = 20261203


@pytest.fixture
def api(tmp_path):
    """The app `attune serve` runs, on the demo configuration, its lifespan run by Schemathesis' ASGI client.

    One per test: Schemathesis' pytest plugin ends every ASGI lifespan when a test ends.
    """
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATTUNE_ADMIN_PASSWORD", PASSWORD)  # read when the runtime makes the first user
        from server.app import serving_app
        from server.config.loader import load_config
        from server.runtime import Runtime
        from server.settings import Settings

        runtime = Runtime(Settings(data_dir=tmp_path / "data"), load_config())
        app = serving_app(runtime)
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)  # starts the lifespan
    try:
        yield schema, editor_session(app)
    finally:
        asgi.shutdown_lifespans()  # runtime.stop(): the writer flushes, DuckDB closes (the plugin does it too)


def editor_session(app) -> asgi.ASGIClient:
    client = asgi.get_client(app)
    assert client.get("/admin/login").status_code == 200
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    response = client.post("/admin/api/login", json={"name": "admin", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def run_operation(operation, session, examples: int, *, aim=None, checks=CHECKS) -> list[str]:
    """Failures, as text, of `examples` generated cases, each sent as generated and then, if given, `aim`ed."""
    failures: list[str] = []

    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=operation.as_strategy())
    def check(case) -> None:
        for aimed in (False, True) if aim else (False,):
            if aimed:
                aim(case)
            response = case.call(session=session)
            try:
                case.validate_response(response, checks=checks)
            except Exception as error:  # every failure, not only the first: the report lists them all
                failures.append(f"{operation.label} {case.path_parameters} {case.body!r:.300} -> "
                                f"{response.status_code} {response.text:.200}: {str(error).splitlines()[0:1]}")

    check()
    return failures


def at_demo_site(case) -> None:
    """The body aimed at the demo site (and its `hero` block), so the 200 and 202 answers are checked too."""
    if isinstance(case.body, dict):
        case.body = {**case.body, "site": "pk_demo", **({"blocks": ["hero"]} if "blocks" in case.body else {})}


def at_demo_block(case) -> None:
    """Path parameters aimed at the demo site's `hero` block and its `deal` variant, past the 404s."""
    demo = {"site": "pk_demo", "block": "hero", "variant": "deal"}
    if case.path_parameters:
        case.path_parameters = {k: demo.get(k, v) for k, v in case.path_parameters.items()}


def operations(schema, prefix: str) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted((op for op in found if op.path.startswith(prefix)), key=lambda op: op.path.endswith("/logout"))


def test_the_data_plane_answers_as_documented(api):
    schema, session = api
    data_plane = [op for op in operations(schema, "/")
                  if op.path in ("/v1/decide", "/v1/events", "/v1/surveys/eligible", "/healthz")]
    assert len(data_plane) == 4
    failures = [f for op in data_plane for f in run_operation(op, session, DATA_PLANE_EXAMPLES, aim=at_demo_site)]
    assert not failures, "\n".join(failures[:20])


def test_the_widget_answers_as_documented(api):
    schema, session = api
    widget = [op for op in operations(schema, "/v1/") if op.path.endswith("attune.js")]
    assert len(widget) == 2
    failures = [f for op in widget for f in run_operation(op, session, ADMIN_EXAMPLES)]
    assert not failures, "\n".join(failures[:20])


def test_the_admin_api_answers_as_documented(api):
    schema, session = api
    admin = operations(schema, "/admin/api/")
    assert len(admin) >= 20
    failures = [f for op in admin for f in run_operation(op, session, ADMIN_EXAMPLES, aim=at_demo_block)]
    assert not failures, "\n".join(failures[:20])
