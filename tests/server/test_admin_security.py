"""The admin refuses whoever should not be there: every route enumerated from the app, CSRF, roles, XSS, limits.

Against the app `attune serve` runs, in this process (tests/support/inprocess.py).
"""

from __future__ import annotations

import re
from contextlib import closing

import pytest

from server.admin.accounts.auth import PUBLIC
from server.config.loader import load_config
from server.settings import Settings
from tests.server.conftest import TEST_CONFIG
from tests.support.admin import PASSWORD, admin_app, anonymous, signed_in

PATH_VALUES = {"site": "pk_test", "block": "hero", "variant": "deal", "name": "admin", "survey": "nps", "theme": "0"}
OWN_ACCOUNT = ("/logout", "/me/password")  # what a viewer may change: their own session and password
SAFE = {"GET", "HEAD", "OPTIONS"}
XSS = [
    "<script>window.__xss = 1; alert(1)</script>",
    '<img src="x" onerror="window.__xss = 2; alert(2)">',
    '<a href="javascript:window.__xss = 3">click</a>',
    '<svg onload="window.__xss = 4"><circle r="5"></circle></svg>',
    '<iframe src="javascript:parent.__xss = 5"></iframe>',
    '<body onload="window.__xss = 6">',
    '<div style="background:url(javascript:window.__xss=7)">styled</div>',
    '<object data="javascript:window.__xss = 8"></object>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss = 9">',
    '<details open ontoggle="window.__xss = 10">x</details>',
    '"><script>window.__xss = 11</script>',
    '<form action="javascript:window.__xss = 12"><button>go</button></form>',
    '<input autofocus onfocus="window.__xss = 13">',
]


def admin_routes() -> list[tuple[str, str, bool]]:
    """(method, path with values filled in, public) for every admin route the app registers."""
    from server.app import create_app
    from server.runtime import Runtime

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        runtime = Runtime(Settings(data_dir=Path(directory)), load_config(TEST_CONFIG))
        app = create_app(runtime)
        found = []
        for route in app.routes:
            if not route.path.startswith("/admin"):
                continue
            for handler in route.route_handlers:
                for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                    path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES[m[1]], route.path)
                    found.append((method, path, bool(handler.opt.get(PUBLIC))))
        runtime.event_log.close()
    return sorted(set(found))  # one order in every process: pytest-xdist workers must collect alike


ROUTES = admin_routes()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with admin_app(tmp_path_factory.mktemp("admin-security") / "data", config=TEST_CONFIG,
                   users={"vera": "viewer"}) as running:
        yield running


@pytest.fixture(scope="module")
def viewer(server):
    """`vera`, signed in once for the module (each sign-in costs an Argon2 hash check)."""
    with closing(signed_in(server, "vera")) as client:
        yield client


def test_the_enumeration_sees_pages_and_api_and_only_sign_in_is_public():
    paths = {path for _, path, _ in ROUTES}
    assert "/admin/api/sites/pk_test/blocks/hero" in paths and "/admin/sites/pk_test/blocks/hero" in paths
    assert len(ROUTES) >= 30
    assert {(m, p) for m, p, public in ROUTES if public} == {
        ("GET", "/admin/login"), ("POST", "/admin/login"), ("POST", "/admin/api/login")}


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, public in ROUTES if not public])
def test_every_admin_route_refuses_an_anonymous_request(server, method, path):
    with closing(anonymous(server)) as client:  # holds a valid CSRF token: the refusal must come from sign-in
        response = client.request(method, path, json={} if method not in SAFE else None, follow_redirects=False)
    if path.startswith("/admin/api/"):
        assert response.status_code == 401, (method, path, response.status_code, response.text[:200])
    else:
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/admin/login?next=")
    assert "pk_test" not in response.text and "classic" not in response.text


def test_a_forged_or_stale_session_cookie_is_refused(server):
    with closing(anonymous(server)) as client:
        client.cookies.set("attune_admin", "not-a-session", path="/admin")
        assert client.get("/admin/api/me").status_code == 401
    client = signed_in(server)
    token = client.cookies.get("attune_admin")
    assert client.post("/admin/api/logout").status_code == 200
    with closing(anonymous(server)) as other:
        other.cookies.set("attune_admin", token, path="/admin")
        assert other.get("/admin/api/me").status_code == 401  # signed out: the old cookie is dead


def test_a_change_without_the_csrf_token_is_refused(server):
    client = signed_in(server)
    for headers in ({"x-csrftoken": ""}, {"x-csrftoken": "0" * 128}):
        response = client.patch("/admin/api/sites/pk_test/blocks/tips", json={"exploration": 0.1}, headers=headers)
        assert response.status_code == 403 and "CSRF" in response.text
    bare = server.new_client(cookies=client.cookies)  # the cookies, no header
    assert bare.patch("/admin/api/sites/pk_test/blocks/tips", json={"exploration": 0.1}).status_code == 403
    form = bare.post("/admin/sites/pk_test/blocks/tips/enabled", data={"enabled": "off"}, follow_redirects=False)
    assert form.status_code == 403  # a page form without _csrf_token, as a cross-site form would post
    assert client.get("/admin/api/sites/pk_test/blocks/tips").json()["exploration"] == 0.02
    assert client.patch("/admin/api/sites/pk_test/blocks/tips", json={"exploration": 0.02}).status_code == 200


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, public in ROUTES
                                              if not public and m not in SAFE and not p.endswith(OWN_ACCOUNT)])
def test_a_viewer_cannot_change_anything(viewer, method, path):
    before = viewer.get("/admin/api/config").json()["toml"], viewer.get("/admin/api/users").json()
    response = viewer.request(method, path, json={"enabled": False, "name": "mallory", "role": "editor"},
                              follow_redirects=False)
    assert response.status_code == 403, (method, path, response.status_code, response.text[:200])
    assert (viewer.get("/admin/api/config").json()["toml"], viewer.get("/admin/api/users").json()) == before
    assert viewer.get("/admin/api/me").json() == {"name": "vera", "role": "viewer", "can_edit": False}


def test_the_session_cookie_is_httponly_samesite_lax_and_scoped(server):
    with closing(anonymous(server)) as client:
        response = client.post("/admin/api/login", json={"name": "admin", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "attune_admin=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/admin" in cookie
    assert "secure" not in cookie  # plain http on loopback; see the unit test below for TLS


def test_the_session_cookie_is_secure_over_tls():
    from types import SimpleNamespace

    from server.admin.accounts.sessions import session_cookie

    assert session_cookie(SimpleNamespace(url=SimpleNamespace(scheme="https")), "t").secure is True
    assert session_cookie(SimpleNamespace(url=SimpleNamespace(scheme="http")), "t").secure is False


def test_xss_payloads_saved_as_content_are_inert_in_the_admin_and_on_the_wire(server):
    client = signed_in(server)
    content = {"title": XSS[0], "html": "\n".join(XSS), "href": "javascript:alert(1)", "cta": "Go"}
    saved = client.put("/admin/api/sites/pk_test/blocks/recs/variants/new-in", json={"content": content})
    assert saved.status_code == 200, saved.text
    stripped = " ".join(saved.json()["stripped"])
    assert "<script> element" in stripped and "onerror" in stripped and "onload" in stripped
    html = client.get("/admin/api/sites/pk_test/blocks/recs").json()["variants"][1]["content"]["html"]
    page = client.get("/admin/sites/pk_test/blocks/recs").text
    decided = server.client.post("/v1/decide", json={"site": "pk_test", "blocks": ["recs"] * 1,
                                                          "context": {}, "visitor": None}).json()
    for text in (html, page):
        lowered = text.lower()
        for bad in ("<script>window", "onerror=", "onload=", "ontoggle=", "onfocus=", "javascript:window",
                    "<iframe", "<object", 'href="javascript:'):
            assert bad not in lowered, (bad, text[:300])
    assert "&lt;script&gt;window.__xss = 1" in page  # the title is text, shown escaped
    assert decided["decisions"][0]["block"] == "recs"
    assert "script-src 'self'" in client.get("/admin/sites/pk_test/blocks/recs").headers["content-security-policy"]


def test_failed_sign_ins_are_rate_limited(tmp_path):
    with admin_app(tmp_path / "data", config=TEST_CONFIG) as running, closing(anonymous(running)) as client:
        for _ in range(5):
            assert client.post("/admin/api/login", json={"name": "admin", "password": "wrong"}).status_code == 401
        limited = client.post("/admin/api/login", json={"name": "admin", "password": PASSWORD})
        assert limited.status_code == 429 and "try again in" in limited.text  # even the right password, from here
        form = client.post("/admin/login", data={"name": "admin", "password": PASSWORD,
                                                 "_csrf_token": client.cookies["csrftoken"]})
        assert form.status_code == 429 and "too many failed sign-ins" in form.text
