"""Assembling the FastAPI application around an opened, checked archive."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from archive import __version__
from archive.api import errors
from archive.api.answers import answers
from archive.api.deps import ArchiveDep
from archive.api.middleware import LastResort, SecurityHeaders
from archive.api.routes import admin, auth, casetypes, documents, dossiers, trail
from archive.api.schemas import LiveOut, ReadyOut
from archive.extensions import installed
from archive.services.context import Archive
from archive.settings import Settings, get_settings

DESCRIPTION = """
Kho lưu trữ hồ sơ vụ việc cho cơ quan nhà nước — case-dossier archive for Vietnamese
public agencies.

Sign in with `POST /api/auth/login` (programs: a bearer token) or `POST /api/auth/session`
(browsers: an HttpOnly cookie), then send `Authorization: Bearer <token>`. Every error
answers `{"error": {"code", "message" (Vietnamese), "message_en", "details"}}`; each
operation lists the codes it can answer with, per status.
"""

DOCS_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>Kho lưu trữ hồ sơ · API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" href="/docs-assets/favicon-32x32.png">
</head><body><div id="swagger-ui" data-openapi="/openapi.json"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs-init.js"></script>
</body></html>
"""


def create_app(archive: Archive | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app; without an archive given, open (and check) the configured one now,
    so a missing or unwritable store stops start-up instead of failing later."""
    opened = archive or Archive.open(settings or get_settings())
    app = FastAPI(
        title="Kho lưu trữ hồ sơ · Case-dossier archive",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served below from packaged assets: agency networks are closed
        redoc_url=None,
    )
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    docs_script = (resources.files("archive.api") / "static" / "docs.js").read_bytes()

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    @app.get("/docs-init.js", include_in_schema=False)
    def docs_init() -> Response:
        return Response(docs_script, media_type="text/javascript")

    app.state.archive = opened
    errors.install(app)
    for module in (auth, dossiers, documents, casetypes, admin, trail):
        app.include_router(module.router)
    for extension in installed():
        for router in extension.routers:
            app.include_router(router)
    app.add_middleware(LastResort)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so even a 500 carries them

    @app.get(
        "/api/health",
        response_model=LiveOut,
        tags=["Hệ thống · System"],
        summary="Tiến trình còn sống · Liveness",
        description="Answers as long as the server process serves requests; touches neither "
        "the database nor the store, so a monitor may call it as often as it likes.",
    )
    def health() -> LiveOut:
        return LiveOut(status="ok", version=__version__)

    @app.get(
        "/api/ready",
        response_model=ReadyOut,
        tags=["Hệ thống · System"],
        summary="Sẵn sàng phục vụ · Readiness",
        description="One trivial query to the database and one cheap request to the store "
        "(no listing). Names kinds, never hosts, users or buckets.",
        responses=answers("not_ready", signed_in=False),
    )
    def ready(archive: ArchiveDep) -> ReadyOut:
        archive.ping()
        return ReadyOut(
            status="ready",
            database=archive.db.engine.dialect.name,
            storage=archive.settings.storage,
            embedded=archive.settings.embedded,
            version=__version__,
        )

    return app
