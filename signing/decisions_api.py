"""Decisions over HTTP: templates, making, submitting, returning, issuing, the inbox."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Form, Path, UploadFile
from pydantic import BaseModel, Field

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.metadata.schema import MAX_ROW_ID
from signing import decisions, templates
from signing.api import MAX_KEY_BYTES, opened_key, png_image, small_file
from signing.workflow import Decision

router = APIRouter(tags=["Ký số · Signing"])

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
STATE = ("decision_not_found", "wrong_decision_state")


class NewDecision(BaseModel):
    template: str = Field(default="quyet_dinh_xu_phat", max_length=64, pattern=r"^[a-z0-9_]+$")
    leader: str = Field(max_length=64, pattern=PRINTABLE, description="The leader's username")
    signer_title: str = Field(
        max_length=120, pattern=PRINTABLE, description='Printed above the signature: "Chủ tịch"'
    )


class Submission(BaseModel):
    note: str | None = Field(default=None, max_length=1000, pattern=PRINTABLE)


class Return(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, pattern=PRINTABLE)


@router.get(
    "/api/decision-templates",
    responses=answers(),
    summary="Mẫu quyết định · Decision templates",
    description="The names of the templates a decision can be made from: the shipped ones "
    "and those in `ARCHIVE_DECISION_TEMPLATES`.",
)
def list_templates(actor: ActorDep, archive: ArchiveDep) -> dict[str, list[str]]:
    return {"templates": templates.available(archive.settings.decision_templates)}


@router.post(
    "/api/dossiers/{dossier_id}/decisions",
    status_code=201,
    responses=answers(
        "dossier_not_found",
        "role_not_allowed",
        "not_owner_unit",
        "template_not_found",
        "bad_template",
        "not_a_leader",
        "unit_ended",
        "unknown_document_kind",
        "duplicate_document",
        changes=True,
    ),
    summary="Lập quyết định từ mẫu · Make a decision from a template",
    description="For officials: the decision PDF made from the template with the dossier's "
    "data (the Decree 118/2021 sanction decision by default), in Vietnamese, with the fields "
    "for its number and date of issue and the places of the leader's and the agency's "
    "signatures; stored as a document of the dossier, in the draft state, to be signed by "
    "the `leader` named (printed in it with `signer_title`).",
)
async def make_decision(
    dossier_id: RowId, body: NewDecision, actor: ActorDep, archive: ArchiveDep
) -> dict[str, Any]:
    document, decision = await anyio.to_thread.run_sync(
        lambda: decisions.make(
            archive,
            actor,
            dossier_id,
            template=body.template,
            leader=body.leader,
            signer_title=body.signer_title,
        )
    )
    return {"document_id": document.id, "decision": decision.as_json()}


@router.get(
    "/api/decisions/{document_id}",
    responses=answers("document_not_found", "decision_not_found"),
    summary="Quyết định trong quy trình ký · A decision's state",
)
async def get_decision(document_id: RowId, actor: ActorDep, archive: ArchiveDep) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(decisions.get, archive, actor, document_id)
    return found.as_json()


@router.post(
    "/api/decisions/{document_id}/submit",
    responses=answers(
        "document_not_found", "role_not_allowed", "not_owner_unit", *STATE, changes=True
    ),
    summary="Trình lãnh đạo ký · Submit to the leader",
    description="The draft (or the returned decision, changed) goes to the leader's "
    "signing inbox. Audited with the document's SHA-256.",
)
async def submit(
    document_id: RowId, body: Submission, actor: ActorDep, archive: ArchiveDep
) -> dict[str, Any]:
    moved = await anyio.to_thread.run_sync(decisions.submit, archive, actor, document_id, body.note)
    return moved.as_json()


@router.post(
    "/api/decisions/{document_id}/return",
    responses=answers(
        "document_not_found", "role_not_allowed", "not_your_decision", *STATE, changes=True
    ),
    summary="Trả lại, không ký · Return unsigned",
    description="The leader it was submitted to returns it with the reason; the official "
    "changes it and submits it again. Audited.",
)
async def give_back(
    document_id: RowId, body: Return, actor: ActorDep, archive: ArchiveDep
) -> dict[str, Any]:
    moved = await anyio.to_thread.run_sync(
        decisions.give_back, archive, actor, document_id, body.reason
    )
    return moved.as_json()


@router.post(
    "/api/decisions/{document_id}/issue",
    responses=answers(
        "document_not_found",
        "role_not_allowed",
        "not_owner_unit",
        "key_unreadable",
        "certificate_out_of_date",
        "bad_signature_image",
        "field_filled",
        "field_signed",
        "no_such_field",
        "no_such_page",
        "pdf_unreadable",
        "not_a_signed_version",
        "same_as_current",
        "version_moved",
        "decision_changed",
        "signing_failed",
        *STATE,
        changes=True,
    ),
    summary="Ban hành · Issue a signed decision",
    description="For clerks: `multipart/form-data` with the registry `number` (e.g. `15`), "
    "the date of issue `issued_on` (YYYY-MM-DD), the agency's PKCS#12 `key` and `pin`, and "
    "optionally the red seal `image` (PNG). The number and date are filled into the "
    "decision's fields and the agency's signature is added in its place, over the left third "
    "of the leader's: both as incremental updates the leader's certification allows, so the "
    "leader's signature stays valid. Stored as the next version; audited.",
)
async def issue(
    document_id: RowId,
    actor: ActorDep,
    archive: ArchiveDep,
    key: Annotated[UploadFile, File(description="The agency's PKCS#12 key file")],
    pin: Annotated[str, Form(max_length=256)],
    number: Annotated[str, Form(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z.\-]+$")],
    issued_on: Annotated[date, Form()],
    image: Annotated[UploadFile | None, File(description="The red seal, PNG")] = None,
) -> dict[str, Any]:
    key_bytes = await small_file(key, MAX_KEY_BYTES, "key_unreadable", ("Tệp khóa", "The key file"))
    picture = await png_image(image, ("Ảnh con dấu", "The seal image"))

    def run() -> Decision:
        return decisions.issue(
            archive,
            actor,
            document_id,
            number=number,
            issued_on=issued_on,
            key=opened_key(key_bytes, pin),
            image=picture or None,
        )

    moved = await anyio.to_thread.run_sync(run)
    return moved.as_json()


@router.get(
    "/api/signing/inbox",
    responses=answers(),
    summary="Hộp việc ký · What waits for me",
    description="A leader's decisions submitted to them to sign; a clerk's signed decisions "
    "to issue in their units; an official's drafts and returned decisions. `count` is the "
    "badge.",
)
async def inbox(actor: ActorDep, archive: ArchiveDep) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(decisions.waiting, archive, actor)
    return {"count": len(found), "items": [d.as_json() for d in found]}
