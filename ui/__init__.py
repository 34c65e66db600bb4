"""The server-rendered web UI (Jinja2) for officials, leaders, clerks and auditors — the UI
stage. It will be mounted on the same FastAPI app (``archive.api.app.create_app``) and use
the ``archive_session`` cookie that ``POST /api/auth/login`` already sets.

Nothing lives here yet: this package is reserved for that stage.
"""
