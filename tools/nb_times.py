#!/usr/bin/env python3
"""Seconds each committed notebook spent executing its cells, read from the execution
metadata that nbclient stores (tools/py2nb.py --execute).

usage: python tools/nb_times.py
"""
import json
import pathlib
from datetime import datetime

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def _t(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def main():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        ex = [c["metadata"]["execution"] for c in cells if c.get("metadata", {}).get("execution")]
        if not ex:
            print(f"{path.name:22s} not executed")
            continue
        busy = sum((_t(e["shell.execute_reply"]) - _t(e["iopub.execute_input"])).total_seconds()
                   for e in ex)
        span = (_t(ex[-1]["shell.execute_reply"]) - _t(ex[0]["iopub.execute_input"])).total_seconds()
        print(f"{path.name:22s} cells {busy:5.0f} s, first to last {span:5.0f} s, "
              f"executed {ex[0]['iopub.execute_input'][:16]}")


if __name__ == "__main__":
    main()
