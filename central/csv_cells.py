"""The one CSV writer of every export: cells a spreadsheet would run as a formula are neutralised.

Ids, names and codes in the exports come from devices and partners. A cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return is read by spreadsheets as a formula (`=HYPERLINK(...)`, `+cmd|...`),
so such a cell gets a leading apostrophe, which spreadsheets show as plain text. Numbers, including
negative ones written as text, stay numbers.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet must read it: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out: TextIO, delimiter: str, lineterminator: str) -> None:
        self._writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, *, delimiter: str = ",", lineterminator: str = "\n") -> _Writer:
    """A `csv.writer` (by default `,` between cells and `\\n` after each row) whose every cell goes through
    `neutralise`."""
    return _Writer(out, delimiter, lineterminator)
