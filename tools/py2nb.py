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
import html as html_mod
import json
import os
import re
import sys
import time

def sliced_client(nb, **kwargs):
    """An nbclient NotebookClient that waits for each shell reply in 1 s slices.

    nbclient 0.11 sometimes misses a reply that arrives while an ipywidgets `interact` cell's
    comm messages are in flight and wakes only at the cell timeout (jupyter/nbclient#312):
    measured here, about 1 run in 5 of a 3-cell notebook stalled for the whole timeout, with
    ipykernel 6.31 and 7.4 alike; with 1 s slices, 10 runs of 10 took 2-3 s. A cell that
    really runs past the timeout still raises CellTimeoutError."""
    from queue import Empty
    from time import monotonic

    from jupyter_core.utils import ensure_async
    from nbclient import NotebookClient

    class SlicedClient(NotebookClient):
        async def async_start_new_kernel_client(self):
            kc = await super().async_start_new_kernel_client()
            get_msg = kc.shell_channel.get_msg

            async def sliced(timeout=None):
                end = None if timeout is None else monotonic() + timeout
                while True:
                    step = 1.0 if end is None else max(0.0, min(1.0, end - monotonic()))
                    try:
                        return await ensure_async(get_msg(timeout=step))
                    except Empty:
                        if end is not None and monotonic() >= end:
                            raise

            kc.shell_channel.get_msg = sliced
            return kc

    return SlicedClient(nb, **kwargs)


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


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _text(v) -> str:
    return "".join(v) if isinstance(v, list) else v


def freeze_fallbacks(nb) -> None:
    """Make an executed notebook read well without a kernel (a code host, JupyterLab before
    running): each widget output's bundle gets, beside the widget, what the widget showed.

    - an `interact` (or any widget holding an Output) gets the first figure its Output held,
      as image/png or image/svg+xml, or else the text it printed as text/plain: a viewer
      without the widget manager shows that;
    - a tqdm bar's text/plain, captured when the bar was created ("0%"), is rewritten from
      the bar's final state ("100%|...| 10/10")."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def model(ref):
        return state.get(ref.replace("IPY_MODEL_", ""), {})

    def shown(m):
        """(mime, content) of what the Output widgets under m displayed: figures, and printed
        text as text/plain."""
        if m.get("model_name") == "OutputModel":
            for out in m["state"].get("outputs", []):
                if out.get("output_type") == "stream":
                    yield "text/plain", _text(out.get("text", ""))
                for mime in ("image/png", "image/svg+xml"):
                    if mime in out.get("data", {}):
                        yield mime, out["data"][mime]
        for child in m.get("state", {}).get("children", []):
            yield from shown(model(child))

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            m = model(data[WIDGET_VIEW]["model_id"])
            kids = [model(c) for c in m.get("state", {}).get("children", [])]
            names = [k.get("model_name") for k in kids]
            if m.get("model_name") == "HBoxModel" and "FloatProgressModel" in names:  # tqdm
                bar = kids[names.index("FloatProgressModel")]["state"]
                html = [html_mod.unescape(k["state"].get("value", "")).replace("\u2007", " ")
                        for k in kids if k.get("model_name") == "HTMLModel"]
                done = bar.get("value", 0) / (bar.get("max") or 1)
                filled = "█" * round(10 * done)
                data["text/plain"] = f"{html[0] if html else ''}|{filled:<10}|{html[-1] if len(html) > 1 else ''}"
            else:
                found = list(shown(m))
                figs = [(mime, v) for mime, v in found if mime != "text/plain"]
                if figs:
                    data.setdefault(*figs[0])
                elif found:  # an interact that prints: its text replaces the widget's repr
                    data["text/plain"] = "".join(v for _, v in found)


def to_notebook(cells: list[dict]) -> dict:
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}}}


OUTPUT = {"nbsrc": "notebooks", "solsrc": "solutions"}  # source folder -> notebook folder


def target(src: str) -> str:
    """nbsrc/NN_name.py -> notebooks/NN_name.ipynb; solsrc/NN_name.py -> solutions/NN_name.ipynb."""
    folder, name = os.path.split(os.path.abspath(src))
    root, kind = os.path.split(folder)
    if kind not in OUTPUT:
        raise SystemExit(f"{src}: sources live in {' or '.join(OUTPUT)}/")
    return os.path.join(root, OUTPUT[kind], name[:-3] + ".ipynb")


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
            t0 = time.time()
            sliced_client(nb, timeout=a.timeout, kernel_name="python3", store_widget_state=True,
                          resources={"metadata": {"path": os.path.dirname(dst)}}).execute()
            print(f"{dst}: executed in {time.time() - t0:.1f} s")
            freeze_fallbacks(nb)
        nbformat.write(nb, dst)
        print("wrote", dst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
