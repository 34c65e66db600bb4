"""The PAdES baseline levels an installation signs at (ETSI EN 319 142-1)."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """How long a signature stays verifiable without asking anyone."""

    B_B = "B-B"  # the signature and the signer's certificate
    B_T = "B-T"  # + an RFC 3161 timestamp over the signature: when it existed
    B_LT = "B-LT"  # + the chain's revocation data (OCSP/CRL) embedded in the file
    B_LTA = "B-LTA"  # + a document timestamp sealing all of it, renewable for decades

    @property
    def timestamped(self) -> bool:
        return self is not Level.B_B

    @property
    def long_term(self) -> bool:
        return self in (Level.B_LT, Level.B_LTA)


def parse_level(text: str) -> Level:
    """``B-T``, ``b-t``, ``BT`` or ``PAdES-B-T`` all name ``Level.B_T``."""
    cleaned = text.strip().upper().removeprefix("PADES-").replace("_", "-")
    if "-" not in cleaned[1:] and cleaned.startswith("B") and len(cleaned) > 1:
        cleaned = "B-" + cleaned[1:]
    try:
        return Level(cleaned)
    except ValueError:
        names = ", ".join(level.value for level in Level)
        raise ValueError(
            f"Mức chữ ký '{text}' không có; chọn một trong: {names}. / "
            f"No signature level '{text}'; choose one of: {names}."
        ) from None
