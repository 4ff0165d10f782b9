"""Text folding for search, without diacritics or case ("Nguyễn Văn A" -> "nguyen van a"),
and the one way a long text is cut for display (shorten)."""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


# unidecode's transliteration of each non-ASCII character met, for str.translate: unidecode
# maps a character at a time (no context), in Python; the search texts of a register import
# fold thousands of long texts made of the same few hundred characters.
_TRANSLITERATED: dict[int, str] = {}


def fold(text: str | None) -> str:
    """Lower-case ASCII form of Vietnamese text with single spaces (đ becomes d)."""
    if not text:
        return ""
    if not text.isascii():
        table = _TRANSLITERATED
        for c in set(text):
            if ord(c) > 0x7F and ord(c) not in table:
                table[ord(c)] = unidecode(c)
        text = text.translate(table)
    return _SPACES.sub(" ", text.lower()).strip()


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


# Nghị định 30/2020/NĐ-CP writes "CỘNG HÒA", "Ủy ban": the tone mark of an open syllable in
# oa, oe, uy sits on the first vowel (hòa, khóa, xóa, hủy, tùy; "quý" is qu + y, not uy).
# The app writes that old style everywhere; this finds the new style, the mark on the second
# vowel (tests/test_web_conventions.py keeps it out of the templates and the code).
NEW_STYLE_TONE = re.compile(
    r"(?<![qQ])(?:([oO])([àáảãạèéẻẽẹÀÁẢÃẠÈÉẺẼẸ])|([uU])([ỳýỷỹỵỲÝỶỸỴ]))(?!\w)"
)


def old_style_tones(text: str) -> str:
    """The text with the decree's tone placement, the mark moved to the first vowel of an
    open oa, oe, uy ("Ủy ban", "hòa", "khóa")."""

    def move(m: re.Match) -> str:
        first, second = m[1] or m[3], m[2] or m[4]
        base, *marks = unicodedata.normalize("NFD", second)
        tone = "".join(c for c in marks if c in _TONES)
        return unicodedata.normalize("NFC", first + tone) + base

    return NEW_STYLE_TONE.sub(move, text)


_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng
