"""Text extraction, OCR, search backends (SQLite FTS5 embedded, Elasticsearch scaled) and
their workers — the search stage, which plugs into the core without changing it:

* it registers through ``archive.extensions`` (an entry point in the
  ``case_archive.extensions`` group): its API router, task modules, periodic jobs,
  commands, and its outbox consumer;
* it reads the outbox with ``archive.services.consumers.consume`` (topics in
  ``archive.domain.events.Topic``: ``document.stored``, ``document.changed``,
  ``dossier.changed``, …), re-reading current state by id;
* it reads stored bytes verified (``archive.services.content``), never the originals'
  location directly; OCR'd PDF/A copies go through
  ``archive.services.documents.add_derived_version`` and text through
  ``archive.services.derivatives.store``;
* access control comes from ``archive.domain.access.Scope``, ANDed into every query.

Nothing lives here yet: this package is reserved for that stage.
"""
