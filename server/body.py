"""The one gate every JSON body passes, on the decide fast path and on every Litestar route.

A JSON body must say it is JSON, be UTF-8, nest at most MAX_DEPTH deep and name each key of an
object once. Syntax errors are left to the decoders, whose messages name them; everything this
gate refuses it names too. The checks cost a few microseconds on a decide body: C-level byte
operations first, and the exact (slower) scans only when those cannot rule a problem out.
"""

from __future__ import annotations

import json
import re
from itertools import compress, repeat
from typing import TYPE_CHECKING

from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException

if TYPE_CHECKING:
    from litestar import Request

MAX_DEPTH = 32  # objects and arrays; Attune's own bodies nest 3 deep
JSON = "application/json"
BROWSER_TEXT = "browser_text"  # handler opt: text/plain is JSON too (a CORS-simple request, as the JS SDK sends)

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_OPENERS_TO_ONE = bytes.maketrans(b"{}", b"[]")
_ALL_BUT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class _Duplicate(Exception):
    pass


def media_type_problem(content_type: str | None, *, text_too: bool) -> str | None:
    """Why this Content-Type is refused (415), or None. A charset, if given, must be UTF-8."""
    kind, _, params = (content_type or "").partition(";")
    kind = kind.strip().lower()
    expected = f"{JSON} (or text/plain holding JSON)" if text_too else JSON
    if kind != JSON and not (text_too and kind == "text/plain"):
        return f"Content-Type must be {expected}, not {kind or 'missing'}"
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return f"Content-Type charset must be utf-8, not {value.strip()}"
    return None


def body_problem(body: bytes) -> str | None:
    """Why this JSON body is refused (400), or None; a body that is not JSON at all is left to the decoder."""
    try:
        body.decode()
    except UnicodeDecodeError as error:
        return f"body is not valid UTF-8: byte 0x{body[error.start]:02x} at position {error.start}"
    return shape_problem(body)


def shape_problem(body: bytes) -> str | None:
    """Why a UTF-8 JSON body is refused for its shape (too deep, a key twice), or None.

    The decide fast path asks only this: msgspec has already refused a body that is not UTF-8.
    """
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _depth(body) > MAX_DEPTH:
        return f"body nests deeper than {MAX_DEPTH} levels"
    key = _duplicate_key(body)
    return f'duplicate key "{key}" in the body: each key may appear once per object' if key is not None else None


def _depth(body: bytes) -> int:
    """How deep objects and arrays nest, counted up to MAX_DEPTH + 1."""
    brackets = _STRING.sub(b"", body).translate(_OPENERS_TO_ONE, _ALL_BUT_BRACKETS)
    for level in range(MAX_DEPTH + 1):
        if not brackets:
            return level
        inner = brackets.replace(b"[]", b"")  # one level a pass
        if len(inner) == len(brackets):
            return 0  # unbalanced: not JSON, the decoder says so
        brackets = inner
    return MAX_DEPTH + 1


def _duplicate_key(body: bytes) -> str | None:
    if b"\\" not in body:  # no escapes: quotes alternate outside / inside strings, and raw keys are the keys
        parts = body.split(b'"')
        strings = parts[1::2]
        if len(set(strings)) == len(strings):
            return None  # no string twice anywhere, so no key twice in one object
        keys = set(compress(strings, map(bytes.startswith, parts[2::2], repeat(b":"))))  # those before a colon
        if len(keys) == b"".join(parts[0::2]).count(b":"):
            return None  # one key found per colon outside strings, and none twice anywhere
    try:
        json.loads(body, object_pairs_hook=_unique)
    except _Duplicate as duplicate:
        return duplicate.args[0]
    except (ValueError, RecursionError):
        return None
    return None


def _unique(pairs: list[tuple[str, object]]) -> None:
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _Duplicate(key[:64])
        seen.add(key)


def takes_json(request: Request) -> bool:
    """Whether the handler decodes its body as JSON (Litestar's default for `data`)."""
    data = request.route_handler.parsed_data_field
    return data is not None and getattr(data.kwarg_definition, "media_type", JSON) == RequestEncodingType.JSON


async def json_body_gate(request: Request) -> None:
    """Litestar `before_request`: 415 or 400 before a JSON body reaches a handler's decoder."""
    if not takes_json(request):
        return
    problem = media_type_problem(request.headers.get("content-type"),
                                 text_too=bool(request.route_handler.opt.get(BROWSER_TEXT)))
    if problem:
        raise HTTPException(status_code=415, detail=problem)
    problem = body_problem(await request.body())
    if problem:
        raise ClientException(problem)
