"""Loading the demo dataset through the same services a real office uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from archive.demo.dataset import DemoDataset, DemoDossier, DemoUnit, build_dataset
from archive.demo.pdfs import render_document
from archive.domain.model import Party, PartyKind
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.services import accounts, documents, dossiers
from archive.services.context import Actor, Archive
from archive.services.spool import Spool
from archive.services.versions import ReceivedFile

DEMO_ROOT_UNIT = "ubnd"


def _actor_for(archive: Archive, unit_id: int) -> Actor:
    with archive.db.read() as conn:
        users = account_rows.list_users(conn)
    official = next(
        (u for u in users if u.unit_id == unit_id and u.role is Role.OFFICIAL), None
    ) or next(u for u in users if u.role is Role.ADMIN)
    return archive.actor(official)


def _load_dossier(archive: Archive, item: DemoDossier, units: dict[str, DemoUnit]) -> int:
    with archive.db.read() as conn:
        unit = account_rows.unit_by_code(conn, item.unit_code)
    assert unit is not None
    actor = _actor_for(archive, unit.id)
    path = [(stage, day) for stage, day in item.key_dates.items() if isinstance(day, date)]
    first_stage = path[0][0]
    draft = dossiers.DossierDraft(
        case_type=item.case_type,
        title=item.title,
        field=item.field,
        opened_on=item.opened_on,
        unit_code=item.unit_code,
        code=item.code,
        stage=first_stage,
        retention=item.retention,
        closed_on=item.closed_on,
        parties=tuple(
            Party(p.role, PartyKind(p.kind), p.name, p.id_number, p.address) for p in item.parties
        ),
        custom=dict(item.custom),
    )
    dossier = dossiers.create(archive, actor, draft)
    # The case moves through its stages the way an official moves it, one event each.
    for stage, day in path[1:]:
        dossiers.move_stage(archive, actor, dossier.id, to_stage=stage, effective_on=day)
    pages = 0
    for index, doc in enumerate(item.documents, 1):
        heading = units[item.unit_code]
        data = render_document(
            doc, agency=heading.letterhead_agency, unit_name=heading.letterhead_name
        )
        spool = Spool(archive.incoming_dir, len(data))
        try:
            spool.write(data)
            sha256 = spool.finish()
            received = ReceivedFile(
                spool.path, sha256, len(data), f"{item.code}-{index:07d}.pdf", spool.chunk_digests
            )
            stored = documents.add(
                archive,
                actor,
                dossier.id,
                documents.DocumentDraft(
                    kind=doc.kind,
                    title=doc.title,
                    number=doc.number,
                    issued_on=doc.issued_on,
                    issuer=doc.issuer,
                ),
                received,
            )
        finally:
            spool.discard()
        pages += stored.page_count
    return pages


def load_demo(
    archive: Archive,
    *,
    progress: Callable[[str], object] = print,
    dataset: DemoDataset | None = None,
) -> bool:
    """Create the demo units, users and dossiers once; False if they are already there."""
    with archive.db.read() as conn:
        if account_rows.unit_by_code(conn, DEMO_ROOT_UNIT) is not None:
            progress("Dữ liệu mẫu đã có sẵn · Demo data already loaded.")
            return False
    data = dataset or build_dataset()
    for unit in data.units:
        accounts.create_unit(archive, unit.code, unit.name, unit.parent_code, by=None)
    for user in data.users:
        created = accounts.create_user(
            archive,
            username=user.username,
            full_name=user.full_name,
            password=user.password,
            role=Role(user.role),
            unit_code=user.unit_code,
            by=None,
        )
        if created.role is Role.AUDITOR:
            accounts.grant_auditor(
                archive, created.id, DEMO_ROOT_UNIT, date(2020, 1, 1), date(2030, 12, 31), by=None
            )
    units = {u.code: u for u in data.units}
    total_pages = 0
    for number, item in enumerate(data.dossiers, 1):
        total_pages += _load_dossier(archive, item, units)
        progress(f"  [{number}/{len(data.dossiers)}] {item.code} — {item.title}")
    from archive.extensions import installed

    for extension in installed():
        if extension.demo is not None:
            extension.demo(archive, data)
            progress(f"  + {extension.name}")
    progress(
        f"Đã nạp dữ liệu mẫu · Demo loaded: {len(data.units)} đơn vị · units, "
        f"{len(data.users)} tài khoản · accounts, {len(data.dossiers)} hồ sơ · dossiers, "
        f"{total_pages} trang · pages."
    )
    return True
