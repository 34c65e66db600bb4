"""The units and people every API test meets.

ubnd (UBND thành phố) ├─ tu_phap (Phòng Tư pháp) └─ qldt (Phòng Quản lý đô thị)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.domain.model import User
from archive.domain.roles import Role
from archive.services import accounts
from archive.services.context import Archive

PASSWORD = "mat-khau-thu-nghiem"

UNITS = [
    ("ubnd", "UBND thành phố Phủ Lý", None),
    ("tu_phap", "Phòng Tư pháp", "ubnd"),
    ("qldt", "Phòng Quản lý đô thị", "ubnd"),
]

PEOPLE = [
    ("admin", "Quản trị hệ thống", Role.ADMIN, "ubnd"),
    ("official_tp", "Nguyễn Văn Đức", Role.OFFICIAL, "tu_phap"),
    ("official_qldt", "Trần Thị Hồng Nhung", Role.OFFICIAL, "qldt"),
    ("leader_tp", "Lê Quang Đạt", Role.LEADER, "tu_phap"),
    ("leader_city", "Phạm Minh Tuấn", Role.LEADER, "ubnd"),
    ("clerk_tp", "Đỗ Thị Lan", Role.CLERK, "tu_phap"),
    ("auditor", "Hoàng Văn Thanh", Role.AUDITOR, "ubnd"),
]

# The auditor may inspect Phòng Tư pháp's dossiers opened in 2024 only.
AUDIT_UNIT = "tu_phap"
AUDIT_FROM = date(2024, 1, 1)
AUDIT_TO = date(2024, 12, 31)


@dataclass
class People:
    by_name: dict[str, User]
    unit_ids: dict[str, int]

    def __getitem__(self, username: str) -> User:
        return self.by_name[username]


def seed_people(archive: Archive) -> People:
    unit_ids = {}
    for code, name, parent in UNITS:
        unit_ids[code] = accounts.create_unit(archive, code, name, parent, by=None).id
    users = {}
    for username, full_name, role, unit in PEOPLE:
        users[username] = accounts.create_user(
            archive,
            username=username,
            full_name=full_name,
            password=PASSWORD,
            role=role,
            unit_code=unit,
            by=None,
        )
    users["auditor"] = accounts.grant_auditor(
        archive, users["auditor"].id, AUDIT_UNIT, AUDIT_FROM, AUDIT_TO, by=None
    )
    return People(users, unit_ids)
