"""Serve the widget: short cache at the stable URL, a year and immutable at the versioned one."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from litestar.openapi import ResponseSpec
from litestar.params import FromPath

from server.bundle.files import Bundle, load_bundle
from server.errors import Problem, answers

NOT_BUILT = {503: ResponseSpec(data_container=Problem, description="The widget is not built on this server",
                               generate_examples=False)}


class BundleController(Controller):
    path = "/v1"
    tags = ["widget"]
    include_in_schema = True

    def _bundle(self) -> Bundle:
        bundle = load_bundle()
        if bundle is None:
            raise ServiceUnavailableException("the widget is not built: run `npm ci && npm run build` (./dev does it)")
        return bundle

    @get("/attune.js", summary="The script-tag widget (stable URL, revalidated every 5 minutes)", sync_to_thread=False,
         media_type="text/javascript", responses=NOT_BUILT)
    def latest(self) -> Response[bytes]:
        bundle = self._bundle()
        return Response(bundle.body, media_type="text/javascript", headers={
            "cache-control": "public, max-age=300", "etag": f'"{bundle.version}"',
            "link": f"<{bundle.versioned_path}>; rel=alternate", "x-attune-integrity": bundle.integrity,
            "access-control-allow-origin": "*",
        })

    @get("/widget/{version:str}/attune.js", summary="The widget at a versioned, immutable URL", sync_to_thread=False,
         media_type="text/javascript", responses={**answers(404), **NOT_BUILT})
    def versioned(self, version: FromPath[str]) -> Response[bytes]:
        bundle = self._bundle()
        if version != bundle.version:
            raise NotFoundException(f"no widget version {version!r}; the current one is {bundle.version!r}")
        return Response(bundle.body, media_type="text/javascript", headers={
            "cache-control": "public, max-age=31536000, immutable", "access-control-allow-origin": "*",
        })
