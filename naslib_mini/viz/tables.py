"""Tables a notebook shows as tables (not fixed-width text that wraps on a narrow screen).

`claims_table` is the one form of every notebook's "paper beside this run" table: what is
compared, the paper's value with where it stands in the paper (arXiv id, section or table,
so a reader can check it), and this run's value, printed from the run.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from IPython.display import Markdown


def _cell(x) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> Markdown:
    """A Markdown table (Jupyter renders it; its text is the Markdown source)."""
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    for row in rows:
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells for {len(header)} columns: {row!r}")
        lines.append("| " + " | ".join(map(_cell, row)) + " |")
    return Markdown("\n".join(lines))


def claims_table(rows: Iterable[Sequence], *, run: str = "this run") -> Markdown:
    """rows: (what, the paper's value, where the paper says it, this run's value).
    `where` is an arXiv id with a section or table, e.g. "1806.09055, Table 1"."""
    return markdown_table(("", "paper", "where in the paper", run), rows)
