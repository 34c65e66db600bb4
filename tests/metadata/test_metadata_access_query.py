"""Access resolved inside the SQL query agrees with the domain's Scope.covers, row by row."""

from __future__ import annotations

from datetime import date

from support.archives import Backend
from support.people import AUDIT_FROM, AUDIT_TO, AUDIT_UNIT, PEOPLE, UNITS

from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata import dossiers as dossier_rows
from archive.services import accounts, dossiers

DATES = [
    date(2023, 12, 31),
    date(2024, 1, 1),
    date(2024, 7, 15),
    date(2024, 12, 31),
    date(2025, 1, 1),
]


def test_query_scope_matches_domain_scope(backend: Backend) -> None:
    archive = backend.archive
    unit_ids = {
        code: accounts.create_unit(archive, code, name, parent, by=None).id
        for code, name, parent in [*UNITS, ("ho_tich", "Tổ hộ tịch", "tu_phap")]
    }
    with archive.db.write() as conn:  # the people of support.people, without password hashing
        made = {
            username: account_rows.add_user(conn, username, full_name, "x", role, unit_ids[unit])
            for username, full_name, role, unit in PEOPLE
        }
        account_rows.add_grant(conn, made["auditor"].id, unit_ids[AUDIT_UNIT], AUDIT_FROM, AUDIT_TO)
    admin = archive.actor(made["admin"])
    created = []
    for unit in ("ubnd", "tu_phap", "qldt", "ho_tich"):
        for opened in DATES:
            created.append(
                dossiers.create(
                    archive,
                    admin,
                    dossiers.DossierDraft(
                        case_type="xlvphc",
                        title=f"Hồ sơ {unit} {opened.isoformat()}",
                        field="xay_dung",
                        opened_on=opened,
                        unit_code=unit,
                        custom={"violation": "Xây dựng không phép"},
                    ),
                )
            )
    # A qldt dossier shared with Tư pháp, and a ubnd one shared with the sub-unit Hộ tịch.
    qldt_id = next(d.id for d in created if d.title.startswith("Hồ sơ qldt"))
    ubnd_id = next(d.id for d in created if d.title.startswith("Hồ sơ ubnd"))
    dossiers.share(archive, admin, qldt_id, "tu_phap")
    dossiers.share(archive, admin, ubnd_id, "ho_tich")

    with archive.db.read() as conn:
        everything, total = dossier_rows.search(
            conn, admin.scope, dossier_rows.DossierFilter(), limit=1000, offset=0
        )
        all_users = account_rows.list_users(conn)
    assert total == len(everything) == len(created) == 20
    seen: dict[str, set[int]] = {}
    for user in all_users:
        actor = archive.actor(user)
        with archive.db.read() as conn:
            found, count = dossier_rows.search(
                conn, actor.scope, dossier_rows.DossierFilter(), limit=1000, offset=0
            )
        expected = {
            d.id for d in everything if actor.scope.covers(d.unit_id, d.opened_on, d.shared_with)
        }
        assert {d.id for d in found} == expected, user.username
        assert count == len(expected)
        seen[user.username] = expected
        if user.role is not Role.ADMIN and user.unit_id != unit_ids["ubnd"]:
            assert len(expected) < len(everything), user.username

    # Spot-checks of what the rules mean, so "both agree" cannot mean "both wrong".
    tu_phap = {d.id for d in everything if d.title.startswith(("Hồ sơ tu_phap", "Hồ sơ ho_tich"))}
    # Tư pháp's people see their subtree, the dossier shared with them, and the one shared
    # with their sub-unit Hộ tịch.
    assert seen["official_tp"] == tu_phap | {qldt_id, ubnd_id}
    assert seen["official_qldt"] == {d.id for d in everything if d.title.startswith("Hồ sơ qldt")}
    assert seen["clerk_tp"] == seen["leader_tp"] == seen["official_tp"]
    auditor = {
        d.id
        for d in everything
        if d.title.startswith(("Hồ sơ tu_phap", "Hồ sơ ho_tich"))
        and date(2024, 1, 1) <= d.opened_on <= date(2024, 12, 31)
    }
    assert seen["auditor"] == auditor
    assert len(auditor) == 6
    assert len(seen["leader_city"]) == 20
