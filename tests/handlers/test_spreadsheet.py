"""CSV files for spreadsheets: whatever was typed comes back as typed, and never as a formula."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from handlers.spreadsheet import csv_bytes

FORMULA_STARTS = "=+-@\t\r"


@given(st.lists(st.text(), min_size=1, max_size=5), st.integers())
def test_text_round_trips_and_never_starts_a_formula(texts: list[str], number: int) -> None:
    header = ["n", *(f"c{i}" for i in range(len(texts)))]
    data = csv_bytes(header, [[number, *texts]])
    assert data.startswith("\ufeff".encode())
    read_header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert read_header == header
    assert row[0] == str(number)  # numbers are numbers, even negative ones
    for typed, written in zip(texts, row[1:], strict=True):
        assert not written.startswith(tuple(FORMULA_STARTS))
        assert written == ("'" + typed if typed.startswith(tuple(FORMULA_STARTS)) else typed)
