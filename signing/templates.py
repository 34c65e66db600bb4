"""Decision templates: files an administrator can change, filled from a dossier's data.

A template (``signing/forms/*.j2``, or a file of the same name in the folder
``ARCHIVE_DECISION_TEMPLATES``, which wins) is a YAML head between two ``---`` lines (the
document's issuing bodies, symbol, place, kind, summary, signer, recipients) and a body of
paragraphs; both are Jinja2 text, rendered in a sandbox (an administrator's template can
read the values it is given, nothing else), every value escaped for the layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from archive.domain.errors import Invalid, NotFound
from archive.domain.model import Dossier, PartyKind
from archive.domain.money_words import dong, dong_in_words
from signing.decision_pdf import DecisionText

BUILT_IN = Path(__file__).parent / "forms"
SUFFIX = ".j2"

_SANCTIONS = {
    "canh_cao": "Cảnh cáo",
    "phat_tien": "Phạt tiền",
    "tuoc_quyen_su_dung": "Tước quyền sử dụng giấy phép, chứng chỉ hành nghề có thời hạn",
}
_SEX = {"nam": "Nam", "nu": "Nữ"}


def _folders(extra: str) -> list[Path]:
    folders = [Path(extra)] if extra else []
    return [*folders, BUILT_IN]


def available(extra: str = "") -> list[str]:
    """The names of the templates one may choose, the administrator's first."""
    names: dict[str, None] = {}
    for folder in _folders(extra):
        if folder.is_dir():
            for path in sorted(folder.glob(f"*{SUFFIX}")):
                names.setdefault(path.name.removesuffix(SUFFIX), None)
    return list(names)


def _source(name: str, extra: str) -> str:
    if not name.replace("_", "").isalnum():
        raise _unknown(name)
    for folder in _folders(extra):
        path = folder / f"{name}{SUFFIX}"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise _unknown(name)


def _unknown(name: str) -> NotFound:
    return NotFound(
        "template_not_found",
        f"Không có mẫu văn bản '{name}'. Các mẫu có sẵn: GET /api/decision-templates.",
        f"No document template '{name}'. The templates there are: GET /api/decision-templates.",
    )


def _environment() -> SandboxedEnvironment:
    def finalize(value: object) -> object:
        return escape(str(value)) if value is not None else ""

    return SandboxedEnvironment(
        undefined=StrictUndefined,
        finalize=finalize,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(name: str, values: Mapping[str, Any], extra: str = "") -> DecisionText:
    """The template ``name`` filled with ``values``."""
    source = _source(name, extra)
    environment = _environment()
    try:
        filled = environment.from_string(source).render(**values)
        _, head_text, body = filled.split("---\n", 2)
        head = yaml.safe_load(head_text) or {}
    except (TemplateError, ValueError, yaml.YAMLError) as error:
        raise Invalid(
            "bad_template",
            f"Mẫu văn bản '{name}' có lỗi ({error}); hãy báo quản trị viên sửa mẫu.",
            f"The document template '{name}' has an error ({error}); ask an administrator "
            "to correct it.",
        ) from None

    def text(key: str) -> str:
        return str(head.get(key) or "")

    return DecisionText(
        issuing_parent=text("co_quan_chu_quan"),
        issuing_body=text("co_quan"),
        symbol=text("ky_hieu"),
        place=text("dia_danh"),
        kind=text("ten_loai"),
        summary=text("trich_yeu"),
        paragraphs=tuple(line for line in body.splitlines() if line.strip()),
        signer_title=text("chuc_danh_ky"),
        signer_name=text("nguoi_ky"),
        recipients=tuple(str(r) for r in head.get("noi_nhan") or ()),
    )


def _dmy(day: object) -> str | None:
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return str(day)
    return day.strftime("%d/%m/%Y") if isinstance(day, date) else None


def dossier_values(
    dossier: Dossier,
    *,
    unit_name: str,
    parent_name: str,
    place: str,
    field_name: str,
    signer_name: str,
    signer_title: str,
) -> dict[str, Any]:
    """What a decision template may use, from the dossier (names in the users' words)."""
    custom = dossier.custom
    violator = next((p for p in dossier.parties if p.role == "violator"), None)
    organisation = violator is not None and violator.kind is PartyKind.ORGANISATION
    sex = _SEX.get(str(custom.get("violator_sex") or ""))
    fine = custom.get("fine_amount")
    fine_amount = int(fine) if isinstance(fine, int | float) and fine > 0 else None
    sanction = str(custom.get("main_sanction") or ("phat_tien" if fine_amount else ""))
    record_day = dossier.key_dates.get("lap_bien_ban")
    return {
        "co_quan_chu_quan": parent_name,
        "co_quan": unit_name,
        "dia_danh": place,
        "linh_vuc": field_name,
        "nguoi_ky": signer_name,
        "chuc_vu": signer_title,
        "ho_so": {
            "ma": dossier.code,
            "tieu_de": dossier.title,
            "ngay_mo": _dmy(dossier.opened_on),
        },
        "ngay_lap_bien_ban": _dmy(record_day),
        "nguoi_vi_pham": {
            "ten": violator.name if violator else "…",
            "danh_xung": "tổ chức" if organisation else ("bà" if sex == "Nữ" else "ông"),
            "gioi_tinh": None if organisation else sex,
            "ngay_sinh": _dmy(custom.get("violator_birth_date")),
            "dia_chi": violator.address if violator else None,
            "so_dinh_danh": violator.id_number if violator else None,
        },
        "nguoi_dai_dien": custom.get("legal_representative") if organisation else None,
        "hanh_vi": custom.get("violation"),
        "dia_diem": custom.get("violation_place"),
        "dieu_khoan": custom.get("provision_violated"),
        "hinh_thuc_chinh": _SANCTIONS.get(sanction, sanction or "…"),
        "tien_phat": dong(fine_amount) if fine_amount else None,
        "tien_phat_bang_chu": dong_in_words(fine_amount) if fine_amount else None,
        "hinh_thuc_bo_sung": custom.get("additional_sanctions"),
        "tich_thu": custom.get("confiscated"),
        "bien_phap_khac_phuc": custom.get("remedial_measures"),
        "thoi_han_chap_hanh": int(str(custom.get("compliance_days") or 10)),
    }
