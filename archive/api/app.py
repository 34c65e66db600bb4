"""Assembling the FastAPI application around an opened, checked archive."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from archive import __version__
from archive.api import errors
from archive.api.deps import ArchiveDep
from archive.api.routes import admin, auth, documents, dossiers, reference, trail
from archive.api.schemas import HealthOut
from archive.api.throttle import LoginThrottle
from archive.services.context import Archive
from archive.settings import Settings, get_settings

DESCRIPTION = """
Kho lưu trữ hồ sơ vụ việc cho cơ quan nhà nước — case-dossier archive for Vietnamese
public agencies.

Sign in with `POST /api/auth/login`, then send `Authorization: Bearer <token>` (or let the
browser keep the `archive_session` cookie). Every error answers
`{"error": {"code", "message" (Vietnamese), "message_en", "details"}}`.
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

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Kho lưu trữ hồ sơ · API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    app.state.archive = opened
    app.state.login_throttle = LoginThrottle()
    errors.install(app)
    for module in (auth, dossiers, documents, reference, admin, trail):
        app.include_router(module.router)

    @app.get(
        "/api/health",
        response_model=HealthOut,
        tags=["Hệ thống · System"],
        summary="Tình trạng hệ thống · Health",
    )
    def health(archive: ArchiveDep) -> HealthOut:
        archive.ping()
        # Anyone may ask, so the answer names kinds, never hosts, users or buckets.
        return HealthOut(
            status="ok",
            database=archive.db.engine.dialect.name,
            storage=archive.settings.storage,
            embedded=archive.settings.embedded,
            version=__version__,
        )

    return app
