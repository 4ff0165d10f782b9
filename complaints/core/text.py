"""Text folding for search, without diacritics or case ("Nguyễn Văn A" -> "nguyen van a"),
and the one way a long text is cut for display (shorten)."""

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


ELLIPSIS = "…"


def shorten(text: str | None, limit: int, end: str = ELLIPSIS) -> str:
    """The text cut to at most `limit` characters at a word boundary, ending with "…" when
    cut ("Khiếu nại việc thu hồi đất…", never "Khiếu nại việc thu h…"). A single word longer
    than half the limit is cut inside, the only way to keep the limit."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    room = max(limit - len(end), 0)
    head = text[:room]
    if not text[room].isspace():
        word_start = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if word_start >= room // 2:
            head = head[:word_start]
    return head.rstrip(" \t\n,;:.-–—(") + end
