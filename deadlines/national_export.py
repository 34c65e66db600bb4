"""Records for the national XLVPHC database (Decree 20/2016/NĐ-CP): one per sanction decision
issued in a period, in the shape the database asks for, as a JSON file an official uploads.

Each record carries the violator's identity (an individual's name, date of birth, ID number,
sex, address; an organisation's name, address, business code and legal representative),
the provision violated, the main and additional sanctions, the fine, confiscations,
remedial measures, the decision's number, date, issuing body and signer, and every later
change the archive knows of: postponements and suspensions (with their dates), amendment or
cancellation, fine reduced or waived, instalments, complaints and lawsuits (events the
official enters, with a note: "giảm còn 5.000.000 đồng"), enforcement, and the date the
decision was fully executed. The 2-working-day reporting limit is tracked as the deadline
``bao_cao_csdl`` of each decision.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, select

from archive.domain.model import PartyKind
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services.consumers import owner_name
from archive.services.context import Actor, Archive
from deadlines import tables
from deadlines.case_deadlines import current_case_type, facts_in, milestones_in
from deadlines.indicators import check_period
from deadlines.stats_elastic import StatisticsUnavailable
from deadlines.stats_feed import feed, reach_of, statistics_for
from deadlines.stats_sql import within

FORMAT = "csdl-xlvphc/1"
DECISION_KINDS = ("quyet_dinh_xu_phat",)
# Later changes the official enters on the dossier (case type events of source "entered").
LATER_CHANGES = (
    "sua_doi_quyet_dinh",
    "giam_mien_tien_phat",
    "nop_phat_nhieu_lan",
    "khieu_nai",
    "khoi_kien",
)


@dataclass(frozen=True, slots=True)
class Export:
    start: date
    end: date
    records: list[dict[str, Any]]

    def as_file(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "basis": "Nghị định 20/2016/NĐ-CP; Thông tư 13/2016/TT-BTP",
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "count": len(self.records),
            "records": self.records,
        }


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def export(archive: Archive, actor: Actor | None, start: date, end: date) -> Export:
    """The decisions issued from ``start`` to ``end`` in the units the actor may read (all
    of them without an actor: the installation's own export, on the command line)."""
    check_period(start, end)
    statistics = statistics_for(archive)
    # the decisions recorded a moment ago are counted; with Elasticsearch out, the export
    # still reads the database's figures (written before the index's)
    with contextlib.suppress(StatisticsUnavailable):
        feed(statistics, owner_name())
    f = tables.case_figures
    units, grants = reach_of(actor.scope) if actor else (None, ())
    query = select(f.c.dossier_id).where(
        and_(f.c.case_type.in_(["xlvphc", "qltt"]), f.c.decided_on >= start, f.c.decided_on <= end)
    )
    if units is not None:
        query = query.where(within(units, grants))
    records: list[dict[str, Any]] = []
    with archive.db.read() as conn:
        for (dossier_id,) in conn.execute(query.order_by(f.c.decided_on, f.c.dossier_id)).all():
            dossier = dossier_rows.get(conn, dossier_id, None, whole=False)
            if dossier is None:
                continue
            case_type = current_case_type(archive, dossier)
            facts = facts_in(conn, dossier, case_type)
            counted = case_type.deadlines.counted
            custom = dossier.custom
            decision = next(
                (d for d in document_rows.of_dossier(conn, dossier.id) if d.kind in DECISION_KINDS),
                None,
            )
            violators = [p for p in dossier.parties if p.role == counted.violators_role]
            executed = facts.of(counted.collected, date.max) if counted.collected else []
            enforced = facts.of(counted.enforced, date.max) if counted.enforced else []
            entered = [
                m
                for m in milestones_in(conn, dossier.id)
                if m.event in LATER_CHANGES and not m.withdrawn
            ]
            records.append(
                {
                    "dossier_code": dossier.code,
                    "field_of_law": dossier.field,
                    "violators": [
                        {
                            "kind": p.kind.value,
                            "name": p.name,
                            "id_number"
                            if p.kind is PartyKind.INDIVIDUAL
                            else "business_code": p.id_number,
                            "address": p.address,
                            **(
                                {
                                    "date_of_birth": custom.get("violator_birth_date"),
                                    "sex": custom.get("violator_sex"),
                                }
                                if p.kind is PartyKind.INDIVIDUAL
                                else {"legal_representative": custom.get("legal_representative")}
                            ),
                        }
                        for p in violators
                    ],
                    "violation": custom.get("violation"),
                    "provision_violated": custom.get("provision_violated"),
                    "main_sanction": custom.get("main_sanction"),
                    "additional_sanctions": custom.get("additional_sanctions"),
                    "fine": custom.get(counted.fine_imposed or "", None),
                    "confiscated": custom.get("confiscated"),
                    "remedial_measures": custom.get("remedial_measures"),
                    "decision": {
                        "number": decision.number if decision else None,
                        "date": _iso(decision.issued_on if decision else None),
                        "issuer": decision.issuer if decision else None,
                    },
                    "changes": [
                        {
                            "kind": p.kind,
                            "from": p.start.isoformat(),
                            "to": _iso(p.end),
                            "reason": p.reason,
                        }
                        for p in facts.pauses
                    ]
                    + [
                        {"kind": m.event, "date": m.on.isoformat(), "note": m.note}
                        for m in sorted(entered, key=lambda m: (m.on, m.id))
                    ]
                    + [{"kind": "cuong_che", "date": o.on.isoformat()} for o in enforced[:1]],
                    "fully_executed_on": executed[0].on.isoformat() if executed else None,
                    "fine_collected": custom.get(counted.fine_collected or "", None),
                }
            )
    return Export(start, end, records)
