"""docs/SECURITY.md: one table, a row per surface, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SURFACES = [
    "Public pages",
    "WebSockets",
    "Feed webhook",
    "Partner API",
    "Partner webhooks",
    "Admin",
    "Console",
    "Metrics",
]
COLUMNS = [
    "surface",
    "authentication",
    "authorisation",
    "input limits",
    "rate limits",
    "proved by",
]


def _rows() -> list[list[str]]:
    lines = [
        line
        for line in (ROOT / "docs" / "SECURITY.md").read_text().splitlines()
        if line.startswith("|")
    ]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_it_has_one_table_with_a_row_per_surface() -> None:
    header, separator, *rows = _rows()
    assert header == COLUMNS
    assert set(separator) == {"---"}
    assert [re.match(r"\*\*(.+?)\*\*", row[0]).group(1) for row in rows] == SURFACES
    for row in rows:
        assert len(row) == len(COLUMNS) and all(row), row


def test_every_row_names_tests_that_exist() -> None:
    for row in _rows()[2:]:
        named = re.findall(r"`(tests/[\w/]+\.py)`", row[-1])
        assert named, row[0]
        missing = [path for path in named if not (ROOT / path).is_file()]
        assert not missing, f"{row[0]}: {missing}"
