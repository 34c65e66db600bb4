"""Every refusal the API answers with, by code and HTTP status, for the OpenAPI document.

Each operation declares the codes it can answer (``answers(...)``); this module groups
them by status and writes, per status, an error body whose ``code`` is an enum of exactly
those codes. The schemathesis run in the tests holds the schema to the truth: an answer
with an undeclared status or code fails it.
"""

from __future__ import annotations

from typing import Any

from archive.domain.pdf import REFUSAL_CODES

Responses = dict[int | str, dict[str, Any]]

STATUS: dict[str, int] = {
    # 401: who are you?
    "not_signed_in": 401,
    "bad_credentials": 401,
    # 403: not yours to do
    "cross_site_request": 403,
    "role_not_allowed": 403,
    "not_owner_unit": 403,
    "unit_not_allowed": 403,
    "cannot_deactivate_self": 403,
    "not_your_decision": 403,
    # 404: no such thing, or not yours to see (the two are never told apart)
    "dossier_not_found": 404,
    "document_not_found": 404,
    "unit_not_found": 404,
    "user_not_found": 404,
    "token_not_found": 404,
    "case_type_not_found": 404,
    "template_not_found": 404,
    "decision_not_found": 404,
    "report_not_found": 404,
    "not_found": 404,
    # 409: conflicts with what is stored
    "dossier_code_taken": 409,
    "duplicate_document": 409,
    "same_as_current": 409,
    "version_moved": 409,
    "unit_exists": 409,
    "unit_ended": 409,
    "user_exists": 409,
    "last_administrator": 409,
    "case_type_exists": 409,
    "calendar_changed": 409,
    "duplicate_documents": 409,
    "field_signed": 409,
    "wrong_decision_state": 409,
    "field_filled": 409,
    # 413
    "file_too_large": 413,
    # 416
    "range_not_satisfiable": 416,
    # 422: what was sent is not acceptable
    "invalid_request": 422,
    "control_character": 422,
    "too_long": 422,
    "missing_title": 422,
    "missing_value": 422,
    "bad_date": 422,
    "bad_dates": 422,
    "successor_not_standing": 422,
    "successor_cycle": 422,
    "bad_retention": 422,
    "bad_custom": 422,
    "bad_custom_field": 422,
    "missing_custom_field": 422,
    "unknown_custom_field": 422,
    "unknown_case_type": 422,
    "unknown_field_of_law": 422,
    "unknown_stage": 422,
    "unknown_party_role": 422,
    "unknown_document_kind": 422,
    "unknown_dossier_field": 422,
    "stage_not_allowed": 422,
    "date_in_future": 422,
    "date_before_previous_stage": 422,
    "bad_document_order": 422,
    "folio_out_of_range": 422,
    "bad_period": 422,
    "not_auditor": 422,
    "weak_password": 422,
    "bad_case_type": 422,
    "missing_file": 422,
    "one_file_per_upload": 422,
    "unsupported_upload": 422,
    "bad_multipart": 422,
    "field_too_long": 422,
    "too_many_fields": 422,
    "active_content": 422,
    "not_a_signed_version": 422,
    "bad_limit_unit": 422,
    "bad_limit_amount": 422,
    "calendar_year_missing": 422,
    "bad_calendar_day": 422,
    "unknown_calendar_version": 422,
    "too_many_calendar_days": 422,
    "unknown_event": 422,
    "unknown_deadline": 422,
    "unknown_pause": 422,
    "not_extendable": 422,
    "extension_out_of_bounds": 422,
    "already_paused": 422,
    "not_responsible": 422,
    "bad_document_list": 422,
    "bad_dossier_list": 422,
    "seal_unreadable": 422,
    "decision_changed": 409,
    "bad_template": 422,
    "key_or_remote": 422,
    "remote_not_configured": 422,
    "remote_rejected": 422,
    "remote_bad_signature": 422,
    "remote_unsupported_key": 422,
    "not_a_leader": 422,
    "no_such_field": 422,
    "issue_instead": 422,
    "key_unreadable": 422,
    "certificate_out_of_date": 422,
    "bad_signature_image": 422,
    "no_such_page": 422,
    "pdf_unreadable": 422,
    **dict.fromkeys(REFUSAL_CODES, 422),
    # 429
    "too_many_attempts": 429,
    # 500: the archive's own fault, or evidence damaged
    "checksum_mismatch": 500,
    "object_missing": 500,
    "internal_error": 500,
    # 503
    "not_ready": 503,
    "signing_failed": 503,
    "remote_unavailable": 503,
    "remote_timeout": 503,
}

DESCRIPTIONS = {
    401: "Not signed in, or the session expired",
    403: "Not allowed to do this",
    404: "Not found, or not yours to see (existence is not revealed)",
    409: "Conflicts with what is stored",
    413: "Larger than ARCHIVE_MAX_UPLOAD_BYTES",
    416: "The requested range lies outside the file",
    422: "Not acceptable as sent; the message says what to change",
    429: "Too many failed sign-ins; wait (Retry-After)",
    500: "Stored bytes failed their check, or an unexpected error",
    503: "The database, the store, or a signing service (timestamp, revocation) does not answer",
}

# Refusals any operation taking text meets (lengths, control and bidi characters).
TEXT = ("control_character", "too_long")
UPLOAD = (
    "file_too_large",
    "missing_file",
    "one_file_per_upload",
    "unsupported_upload",
    "bad_multipart",
    "field_too_long",
    "too_many_fields",
    "active_content",
    *sorted(REFUSAL_CODES),
)


def _body(codes: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "message_en"],
                "properties": {
                    "code": {"type": "string", "enum": codes},
                    "message": {"type": "string", "description": "Vietnamese"},
                    "message_en": {"type": "string", "description": "English"},
                    "details": {"type": "object"},
                },
            }
        },
    }


def answers(
    *codes: str, signed_in: bool = True, changes: bool = False, validated: bool = True
) -> Responses:
    """OpenAPI ``responses`` for an operation that can refuse with ``codes``.

    ``signed_in`` adds the 401 of every protected operation, ``changes`` the cross-site
    refusal of a change carried by the session cookie, ``validated`` the 422 of a request
    that does not match the declared parameters or body.
    """
    wanted = set(codes)
    if signed_in:
        wanted.add("not_signed_in")
    if changes:
        wanted.add("cross_site_request")
    if validated:
        wanted.add("invalid_request")
    unknown = wanted - set(STATUS)
    if unknown:
        raise KeyError(f"error codes missing from answers.STATUS: {sorted(unknown)}")
    by_status: dict[int, list[str]] = {}
    for code in sorted(wanted):
        by_status.setdefault(STATUS[code], []).append(code)
    return {
        status: {
            "description": DESCRIPTIONS[status],
            "content": {"application/json": {"schema": _body(found)}},
        }
        for status, found in sorted(by_status.items())
    }
