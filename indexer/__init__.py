"""Text extraction, OCR, search backends (SQLite FTS5 embedded, Elasticsearch scaled) and
their workers — the search stage, which plugs into the core without changing it:

* it consumes ``outbox`` rows (``document.stored``, ``document.changed``,
  ``dossier.changed``) written in the same transaction as each change;
* it reads stored bytes through ``archive.storage.ObjectStore.read``, never the originals'
  location directly, and writes OCR text and PDF/A copies as derivatives;
* it registers its Celery tasks on ``archive.worker.celery_app``;
* access control comes from ``archive.domain.access.Scope``, ANDed into every query.

Nothing lives here yet: this package is reserved for that stage.
"""
