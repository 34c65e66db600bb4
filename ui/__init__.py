"""The web UI for officials, leaders, clerks and auditors — the UI stage. It registers its
routes through ``archive.extensions`` on the same FastAPI app, signs people in with
``POST /api/auth/session`` (an HttpOnly cookie; the page never sees the token), and shows
PDFs with ``GET /api/documents/{id}/content?inline=true`` (verified Range requests).

Nothing lives here yet: this package is reserved for that stage.
"""
