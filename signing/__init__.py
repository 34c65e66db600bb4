"""PAdES signing and verification on pyHanko — the signing stage.

It plugs into the core through ``archive.extensions`` (routers, tasks, commands) and
stores each signed PDF with ``archive.services.documents.add_signed_version``: a new
version with its lineage (signed from version N, by whom), accepted only as an
incremental update of the version it signs, so the earlier state stays byte for byte.
Leaders and clerks hold the ``sign`` action.

Nothing lives here yet: this package is reserved for that stage.
"""
