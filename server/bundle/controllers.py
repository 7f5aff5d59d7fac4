"""Serve the widget: short cache at the stable URLs, a year and immutable at the versioned ones.

The core (attune.js) loads its lazy chunk (attune-preferences.js) from beside itself: from the stable
folder when it was loaded from there, from its own version's folder when pinned.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath

from server.bundle.files import Bundle, load_bundle
from server.errors import Problem, answers

NOT_BUILT = {503: ResponseSpec(data_container=Problem, description="The widget is not built on this server",
                               generate_examples=False)}
SHORT = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"


def _script(body: bytes, cache: str, **headers: str) -> Response[bytes]:
    return Response(body, media_type="text/javascript",
                    headers={"cache-control": cache, "access-control-allow-origin": "*", **headers})


class BundleController(Controller):
    path = "/v1"
    tags = ["widget"]
    include_in_schema = True

    def _bundle(self, version: str | None = None) -> Bundle:
        bundle = load_bundle()
        if bundle is None:
            raise ServiceUnavailableException("the widget is not built: run `npm ci && npm run build` (./dev does it)")
        if version is not None and version != bundle.version:
            raise NotFoundException(f"no widget version {version!r}; the current one is {bundle.version!r}")
        return bundle

    @get("/attune.js", summary="The script-tag widget (stable URL, revalidated every 5 minutes)", sync_to_thread=False,
         media_type="text/javascript", responses=NOT_BUILT)
    def latest(self) -> Response[bytes]:
        bundle = self._bundle()
        return _script(bundle.body, SHORT, etag=f'"{bundle.version}"', link=f"<{bundle.versioned_path}>; rel=alternate",
                       **{"x-attune-integrity": bundle.integrity})

    @get("/widget/{version:str}/attune.js", summary="The widget at a versioned, immutable URL", sync_to_thread=False,
         media_type="text/javascript", responses={**answers(404), **NOT_BUILT})
    def versioned(self, version: FromPath[str]) -> Response[bytes]:
        return _script(self._bundle(version).body, IMMUTABLE)

    @get("/attune-preferences.js", summary="The widget's lazy chunk: consent banner and preference center (stable URL)",
         sync_to_thread=False, media_type="text/javascript", responses=NOT_BUILT)
    def latest_chunk(self) -> Response[bytes]:
        bundle = self._bundle()
        return _script(bundle.chunk, SHORT, etag=f'"{bundle.version}"')

    @get("/widget/{version:str}/attune-preferences.js", summary="The widget's lazy chunk at a versioned, immutable URL",
         sync_to_thread=False, media_type="text/javascript", responses={**answers(404), **NOT_BUILT})
    def versioned_chunk(self, version: FromPath[str]) -> Response[bytes]:
        return _script(self._bundle(version).chunk, IMMUTABLE)

    @get("/attune-surveys.js", summary="The widget's survey chunk (stable URL)", sync_to_thread=False,
         media_type="text/javascript", responses={**answers(404), **NOT_BUILT})
    def latest_surveys(self) -> Response[bytes]:
        bundle = self._bundle()
        return _script(_surveys(bundle), SHORT, etag=f'"{bundle.version}"')

    @get("/widget/{version:str}/attune-surveys.js", summary="The widget's survey chunk at a versioned, immutable URL",
         sync_to_thread=False, media_type="text/javascript", responses={**answers(404), **NOT_BUILT})
    def versioned_surveys(self, version: FromPath[str]) -> Response[bytes]:
        return _script(_surveys(self._bundle(version)), IMMUTABLE)

    @get("/texts/{name:str}", summary="The widget's shipped texts in one language, e.g. de.json (stable URL)",
         sync_to_thread=False, media_type="application/json", responses={**answers(404), **NOT_BUILT})
    def latest_texts(self, name: FromPath[str]) -> Response[bytes]:
        bundle = self._bundle()
        return _script(_texts(bundle, name), SHORT, etag=f'"{bundle.version}"', **{"content-type": "application/json"})

    @get("/widget/{version:str}/texts/{name:str}", summary="The widget's shipped texts in one language, versioned",
         sync_to_thread=False, media_type="application/json", responses={**answers(404), **NOT_BUILT})
    def versioned_texts(self, version: FromPath[str], name: FromPath[str]) -> Response[bytes]:
        return _script(_texts(self._bundle(version), name), IMMUTABLE, **{"content-type": "application/json"})


def _surveys(bundle: Bundle) -> bytes:
    if not bundle.surveys:
        raise NotFoundException("this build has no survey chunk: run `npm run build`")
    return bundle.surveys


def _texts(bundle: Bundle, name: str) -> bytes:
    if name not in bundle.texts:
        raise NotFoundException(f"no shipped texts {name!r}; there are {sorted(bundle.texts)}")
    return bundle.texts[name]
