"""The REST API (FastAPI): thin routes over ``archive.services``; OpenAPI at /docs."""
