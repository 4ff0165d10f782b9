"""Receipt codes (mã tra cứu): random, unguessable, short enough to type from the paper receipt.

Ten characters from an alphabet without the look-alikes 0/O, 1/I/L: 31**10 ≈ 8·10^14 codes
(49 bits). Stored without separators, printed in groups: "K7M4-Q2XP-9D". This module imports
no feature, so the petition model can use it for its column default.
"""

from __future__ import annotations

import re
import secrets

from unidecode import unidecode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
GROUPS = (4, 4, 2)
# What a citizen may type between the characters: spaces, dashes, dots.
_SEPARATORS = re.compile(r"[\s\-.·_/]+")
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    """A fresh random code (secrets: unpredictable even knowing earlier codes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str | None) -> str:
    """What the citizen typed, upper-case, without separators or diacritics ("k7m4 q2xp-9d"
    and "K7M4-Q2XP-9D" are the same code). The result may still be invalid: see is_valid."""
    return _SEPARATORS.sub("", unidecode(text or "")).upper()


def is_valid(code: str) -> bool:
    """True when the (normalised) code has the shape of a receipt code: length and alphabet.
    Says nothing about whether such a petition exists."""
    return bool(_VALID.match(code or ""))


def display(code: str | None) -> str:
    """The code in groups of 4-4-2, the way it is printed and typed."""
    code = code or ""
    if len(code) != LENGTH:
        return code
    parts, i = [], 0
    for size in GROUPS:
        parts.append(code[i : i + size])
        i += size
    return "-".join(parts)
