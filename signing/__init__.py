"""PAdES signing and verification on pyHanko — the signing stage.

It plugs into the core through ``archive.extensions`` (routers and commands) and stores
each signed PDF with ``archive.services.documents.add_signed_version``: a new version with
its lineage (signed from version N, by whom), accepted only as an incremental update of
the version it signs, so the earlier state stays byte for byte. Leaders and clerks hold
the ``sign`` action.

- ``levels``: the PAdES baseline levels (B-B, B-T, B-LT, B-LTA);
- ``keys``: opening a signer's PKCS#12 key with the PIN given at signing time;
- ``stamps``: the visible stamp of Decree 30/2020 in an embedded Unicode serif;
- ``pades``: one signature added as an incremental update;
- ``verdicts``: every signature verified offline, valid / invalid / indeterminate;
- ``service``, ``api``, ``cli``: the archive's documents signed and verified.
"""

from __future__ import annotations

from archive.extensions import Extension


def extension() -> Extension:
    from signing.api import router
    from signing.cli import commands
    from signing.decisions_api import router as decisions_router
    from signing.inspection_api import router as inspection_router

    return Extension(
        name="signing",
        routers=(router, decisions_router, inspection_router),
        commands=commands,
    )
