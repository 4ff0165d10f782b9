"""What the justified bandit skips in pyproject.toml rest on stays true."""

from __future__ import annotations

import io
import pyexpat
import re
import tomllib
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_expat_refuses_entity_bombs():
    """B314/B405 are skipped because expat >= 2.4.1 stops billion-laughs expansion."""
    version = tuple(int(n) for n in re.findall(r"\d+", pyexpat.EXPAT_VERSION)[:3])
    assert version >= (2, 4, 1), pyexpat.EXPAT_VERSION
    entities = "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "x" * 10}">' for i in range(10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&e9;</r>'.encode()
    with pytest.raises(ParseError, match="amplification"):
        for _ in iterparse(io.BytesIO(bomb)):
            pass


def test_every_bandit_skip_is_explained():
    text = (ROOT / "pyproject.toml").read_text()
    skips = tomllib.loads(text)["tool"]["bandit"]["skips"]
    block = text.split("[tool.bandit]", 1)[1]
    for test_id in skips:
        before = block.split(f'"{test_id}"', 1)[0].rstrip().splitlines()
        assert before[-1].strip().startswith("#") or before[-1].strip().endswith('",'), test_id
    assert set(skips) == {"B101", "B105", "B311", "B405", "B314"}, "a new skip needs a reason"
