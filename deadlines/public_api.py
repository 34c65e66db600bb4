"""The citizens' look-up: ``GET /api/public/lookup`` and the page ``GET /tra-cuu``, open to
anyone, answering only the stage and the next deadline of the one matching case."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from archive.api.answers import answers
from archive.api.deps import ArchiveDep, client_of
from archive.domain.errors import ArchiveError
from deadlines.public_lookup import PublicAnswer, look_up

router = APIRouter(tags=["Tra cứu công khai · Public look-up"])
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"  # PostgreSQL refuses NUL in any text it is sent
Code = Annotated[str, Query(min_length=1, max_length=64, pattern=PRINTABLE, description="Mã hồ sơ")]
Check = Annotated[
    str,
    Query(
        min_length=1,
        max_length=64,
        pattern=PRINTABLE,
        description="Số căn cước/CMND hoặc mã số doanh nghiệp",
    ),
]


class Label(BaseModel):
    vi: str
    en: str


class NextOut(BaseModel):
    name: Label
    due: date
    status: str
    yours: bool


class LookupOut(BaseModel):
    code: str
    case_type: Label
    stage: Label
    stage_since: date | None
    closed: bool
    next_deadline: NextOut | None


def _out(found: PublicAnswer) -> LookupOut:
    nxt = found.next_deadline
    return LookupOut(
        code=found.code,
        case_type=Label(vi=found.case_type_vi, en=found.case_type_en),
        stage=Label(vi=found.stage_vi, en=found.stage_en),
        stage_since=found.stage_since,
        closed=found.closed,
        next_deadline=None
        if nxt is None
        else NextOut(
            name=Label(vi=nxt.name_vi, en=nxt.name_en),
            due=nxt.due,
            status=nxt.status.value,
            yours=nxt.yours,
        ),
    )


@router.get(
    "/api/public/lookup",
    response_model=LookupOut,
    responses=answers("not_found", "missing_value", "too_many_attempts", signed_in=False),
    summary="Tra cứu tình trạng hồ sơ · A citizen follows their case",
    description="With the dossier code and the ID or business number of a party: the stage "
    "and the next deadline, nothing else. A wrong code and a wrong number answer alike (404). "
    "Limited per address and per code (429 with Retry-After); every look-up is audited.",
)
def public_lookup(request: Request, archive: ArchiveDep, code: Code, check: Check) -> LookupOut:
    return _out(look_up(archive, code, check, client_of(request)))


PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tra cứu tình trạng hồ sơ</title>
<style>
body{{font-family:"Noto Serif","Liberation Serif",serif;max-width:40rem;margin:2rem auto;
padding:0 1rem;color:#111;line-height:1.5}}
label{{display:block;margin-top:1rem;font-weight:bold}}
input{{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}}
button{{margin-top:1rem;font-size:1rem;padding:.5rem 1.2rem;background:#0b4f8a;color:#fff;
border:0;border-radius:4px}}
.answer{{margin-top:1.5rem;padding:1rem;border:1px solid #0b4f8a}}
.error{{margin-top:1.5rem;padding:1rem;border:1px solid #a40000;color:#a40000}}
small{{color:#333}}
</style></head><body>
<main>
<h1>Tra cứu tình trạng hồ sơ</h1>
<p><small>Follow your case: enter the code printed on your record or decision and your ID
number.</small></p>
<form method="get" action="/tra-cuu">
<label for="code">Mã hồ sơ <small>(ví dụ XLVPHC-2026-0001)</small></label>
<input id="code" name="code" required maxlength="64" value="{code}" autocomplete="off">
<label for="check">Số căn cước / CMND hoặc mã số doanh nghiệp</label>
<input id="check" name="check" required maxlength="64" autocomplete="off">
<button type="submit">Tra cứu</button>
</form>
{result}
</main></body></html>"""


def _answer_html(found: PublicAnswer) -> str:
    since = f" từ ngày {found.stage_since:%d/%m/%Y}" if found.stage_since else ""
    lines = [
        f"<p><strong>Hồ sơ {escape(found.code)}</strong> — {escape(found.case_type_vi)}</p>",
        f"<p>Giai đoạn hiện tại: <strong>{escape(found.stage_vi)}</strong>{since}.</p>",
    ]
    nxt = found.next_deadline
    if found.closed:
        lines.append("<p>Hồ sơ đã kết thúc.</p>")
    elif nxt is not None:
        whose = "Thời hạn của ông/bà" if nxt.yours else "Thời hạn của cơ quan"
        lines.append(
            f"<p>{whose}: {escape(nxt.name_vi)} — hạn ngày <strong>{nxt.due:%d/%m/%Y}</strong> "
            f"({escape(nxt.status.label_vi.lower())}).</p>"
        )
    else:
        lines.append("<p>Hiện không có thời hạn nào đang chạy.</p>")
    return '<section class="answer" aria-live="polite">' + "".join(lines) + "</section>"


@router.get(
    "/tra-cuu",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def public_page(
    request: Request,
    archive: ArchiveDep,
    code: Annotated[str, Query(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    check: Annotated[str, Query(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
) -> HTMLResponse:
    result, status = "", 200
    if code or check:
        try:
            result = _answer_html(look_up(archive, code, check, client_of(request)))
        except ArchiveError as exc:
            status = 429 if exc.code == "too_many_attempts" else 200
            result = f'<section class="error" role="alert">{escape(exc.vi)}</section>'
    page = PAGE.format(code=escape(code), result=result)
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
