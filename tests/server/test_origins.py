"""The one origin check, as the decide fast path, the routes and the CORS middleware ask it."""

from __future__ import annotations

import pytest

from server.origins import OriginVerdict, origin_verdict, own_origin

OWN = "http://127.0.0.1:8080"
SCOPE = {"type": "http", "scheme": "http", "headers": [(b"host", b"127.0.0.1:8080")]}  # a request for OWN
SHOP = ["https://shop.example"]


@pytest.mark.parametrize(("origin", "allowed", "verdict"), [
    (None, SHOP, OriginVerdict.ABSENT),  # curl, a server: no Origin, no CORS
    ("", SHOP, OriginVerdict.ABSENT),
    ("https://shop.example", SHOP, OriginVerdict.ALLOWED),
    ("https://shop.example.evil", SHOP, OriginVerdict.REFUSED),  # exact match only
    ("http://shop.example", SHOP, OriginVerdict.REFUSED),  # the scheme is part of the origin
    ("https://anything.example", ["*"], OriginVerdict.ALLOWED),
    (OWN, SHOP, OriginVerdict.OWN),  # the demo and admin pages this server serves
    (OWN, [OWN], OriginVerdict.ALLOWED),
    ("http://127.0.0.1:9999", SHOP, OriginVerdict.REFUSED),  # another port is another origin
    ("https://127.0.0.1:8080", SHOP, OriginVerdict.REFUSED),  # and so is another scheme
])
def test_origin_verdicts(origin, allowed, verdict):
    assert origin_verdict(origin, scope=SCOPE, allowed=allowed) is verdict


def test_own_origin_is_read_from_the_scheme_and_host_the_request_came_with():
    scope = {"type": "http", "scheme": "https", "headers": [(b"host", b"attune.example:8443")]}
    assert own_origin(scope) == "https://attune.example:8443"
    assert own_origin({"type": "http", "headers": []}) == "http://"  # no Host: matches no real origin
