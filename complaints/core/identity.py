"""Identity numbers (số giấy tờ): CCCD, số định danh cá nhân, old CMND, passport.

The one rule every feature applies (reception, petition register, API, register import), so
that the same citizen is stored, searched and matched under the same string.
"""

from __future__ import annotations

import re

from complaints.core.translate import gettext as _

# Written on paper and typed with spaces, dots or dashes: "031.085.001.234", "031-085-001234".
_SEPARATORS = re.compile(r"[\s.\-]")
_NUMBER = re.compile(r"[A-Z0-9]{6,20}")
# An all-digit number: an old CMND (9 digits) or a CCCD / personal identification number (12).
DIGIT_LENGTHS = (9, 12)


def normalise_identity(text: str | None) -> str:
    """An identity number without spaces, dots or dashes, in capitals (passports have letters)."""
    return _SEPARATORS.sub("", text or "").upper()


def identity_problem(number: str) -> str | None:
    """Why a normalised identity number is malformed (in the interface language), or None."""
    if not _NUMBER.fullmatch(number):
        return _("Số giấy tờ chỉ gồm chữ và số, từ 6 đến 20 ký tự.")
    if number.isdigit() and len(number) not in DIGIT_LENGTHS:
        return _("Số CCCD, số định danh cá nhân gồm 12 chữ số (CMND cũ: 9 chữ số).")
    return None
