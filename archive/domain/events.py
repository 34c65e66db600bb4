"""What the core tells other parts of the system (search, statistics, deadlines) happened.

Each change writes one outbox event in the same transaction as the change itself. Topic
names are constants here so producers and consumers cannot drift apart; every payload
names the ids a consumer needs to re-read the current state from the store, never a copy
of that state (which could be stale by the time the event is read).
"""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    DOSSIER_OPENED = "dossier.opened"  # {dossier_id}
    DOSSIER_CHANGED = "dossier.changed"  # {dossier_id, fields}
    DOSSIER_STAGE_CHANGED = "dossier.stage_changed"  # {dossier_id, event_id, from_stage, to_stage}
    DOSSIER_SHARED = "dossier.shared"  # {dossier_id, unit_id, shared}
    DOSSIER_REORDERED = "dossier.reordered"  # {dossier_id}
    DOCUMENT_STORED = "document.stored"  # {document_id, dossier_id, version, reason, current}
    DOCUMENT_CHANGED = "document.changed"  # {document_id, dossier_id, fields}
    DERIVATIVE_STORED = "derivative.stored"  # {document_id, version, kind, derivative_id}
    CASE_TYPE_CHANGED = "case_type.changed"  # {code, version}
    # A dated event entered, an extension, override or pause recorded (the deadlines stage)
    DOSSIER_DEADLINES_CHANGED = "dossier.deadlines_changed"  # {dossier_id, what, id}
