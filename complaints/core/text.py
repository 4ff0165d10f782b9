"""Text folding for search, without diacritics or case ("Nguyễn Văn A" -> "nguyen van a")."""

from __future__ import annotations

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case ASCII form of Vietnamese text with single spaces (đ becomes d)."""
    if not text:
        return ""
    return _SPACES.sub(" ", unidecode(text).lower()).strip()


def escape_like(text: str) -> str:
    """The text with LIKE's wildcards and escape character escaped (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(term: str) -> str:
    """A LIKE pattern matching the folded term anywhere, with LIKE wildcards escaped."""
    return f"%{escape_like(fold(term))}%"
