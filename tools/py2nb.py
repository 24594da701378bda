#!/usr/bin/env python3
"""Build notebooks/NN_name.ipynb from nbsrc/NN_name.py (the 'percent' format that jupytext,
VS Code and PyCharm read), and optionally execute them in place.

A source file is a sequence of cells, each opened by a marker line:
    # %%                            a code cell
    # %% tags=["parameters"]        a code cell with tags
    # %% [markdown]                 a markdown cell; its lines start with "# " (stripped)
Why: plain-text sources review and diff well; the committed .ipynb files are executed
in the quick profile so a reader sees results before running anything.

usage: py2nb.py [--execute] [--timeout S] nbsrc/00_tour.py ...
"""
import argparse
import json
import os
import re
import sys
import time

MARKER = re.compile(r"^# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")


def parse(text: str) -> list[dict]:
    cells, cur = [], None
    for line in text.splitlines():
        m = MARKER.match(line)
        if m:
            cur = {"type": "markdown" if m["md"] else "code",
                   "tags": json.loads(m["tags"]) if m["tags"] else [], "lines": []}
            cells.append(cur)
        elif cur is not None:
            if cur["type"] == "markdown":
                line = line[2:] if line.startswith("# ") else line.lstrip("#")
            cur["lines"].append(line)
    out = []
    for c in cells:
        while c["lines"] and not c["lines"][-1].strip():
            c["lines"].pop()
        src = "\n".join(c["lines"])
        cell = {"cell_type": c["type"], "metadata": {"tags": c["tags"]} if c["tags"] else {},
                "source": src}
        if c["type"] == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return out


def to_notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}}}


def target(src: str) -> str:
    root = os.path.dirname(os.path.dirname(os.path.abspath(src)))
    return os.path.join(root, "notebooks", os.path.basename(src)[:-3] + ".ipynb")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--execute", action="store_true")
    ap.add_argument("--timeout", type=int, default=600)
    a = ap.parse_args()
    import nbformat
    for src in a.sources:
        nb = nbformat.from_dict(to_notebook(parse(open(src).read())))
        for i, c in enumerate(nb.cells):
            c["id"] = f"c{i:03d}"
        dst = target(src)
        if a.execute:
            from nbclient import NotebookClient
            t0 = time.time()
            NotebookClient(nb, timeout=a.timeout, kernel_name="python3", store_widget_state=True,
                           resources={"metadata": {"path": os.path.dirname(dst)}}).execute()
            print(f"{dst}: executed in {time.time() - t0:.1f} s")
        nbformat.write(nb, dst)
        print("wrote", dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
