"""Each committed notebook (notebooks/, solutions/) matches its plain-text source (nbsrc/,
solsrc/) and is executed."""
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import py2nb  # noqa: E402

SOURCES = sorted((ROOT / "nbsrc").glob("*.py")) + sorted((ROOT / "solsrc").glob("*.py"))


def _waits_for_benchmark(src) -> bool:
    """The notebook reads the tabular benchmark and its packed file is not in the package."""
    from naslib_mini.benchmarks.digits import ASSET
    return "Benchmark(" in src.read_text() and not pathlib.Path(ASSET).exists()


def notebook_of(src) -> pathlib.Path:
    return pathlib.Path(py2nb.target(str(src)))


@pytest.mark.parametrize("kind", sorted(py2nb.OUTPUT))
def test_every_source_has_a_notebook_and_back(kind):
    notebooks = {p.stem for p in (ROOT / py2nb.OUTPUT[kind]).glob("*.ipynb")}
    assert notebooks == {p.stem for p in SOURCES if p.parent.name == kind}


def test_every_solution_belongs_to_a_notebook():
    solutions = {p.stem for p in (ROOT / "solsrc").glob("*.py")}
    assert solutions <= {p.stem for p in (ROOT / "nbsrc").glob("*.py")}


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_matches_source_and_is_executed(src):
    built = py2nb.parse(src.read_text())
    nb = json.loads(notebook_of(src).read_text())
    def text(c):
        return "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
    assert [(c["cell_type"], c["source"]) for c in built] == \
           [(c["cell_type"], text(c)) for c in nb["cells"]], \
        f"{notebook_of(src).relative_to(ROOT)} is stale: run `make notebooks`"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if _waits_for_benchmark(src):
        # Outputs computed from anything but the shipped benchmark would be meaningless.
        assert all(c["execution_count"] is None and not c["outputs"] for c in code), \
            f"notebooks/{src.stem}.ipynb reads the benchmark, which is not packed yet: " \
            "commit it unexecuted (tools/py2nb.py without --execute)"
        return
    assert all(c["execution_count"] is not None for c in code), "commit notebooks executed"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    _readable_without_a_kernel(nb, src.stem)
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "one cell tagged `parameters` (papermill overrides it)"
    for c in code:
        for line in text(c).splitlines():
            if line.strip().startswith(("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")):
                assert ":" in line, f"marker without a reason: {line!r}"


def _readable_without_a_kernel(nb, name):
    """Every widget output carries what it showed (py2nb.freeze_fallbacks): an interact's
    figure as an image, a finished progress bar at 100%, so a viewer without a kernel (a code
    host, JupyterLab before running) sees the figure and a finished bar."""
    state = nb["metadata"].get("widgets", {}).get(py2nb.WIDGET_STATE, {}).get("state", {})
    for c in nb["cells"]:
        for out in c.get("outputs", []):
            data = out.get("data", {})
            if py2nb.WIDGET_VIEW not in data:
                continue
            m = state.get(data[py2nb.WIDGET_VIEW]["model_id"], {})
            kids = [state.get(k.replace("IPY_MODEL_", ""), {}) for k in m.get("state", {}).get("children", [])]
            kinds = [k.get("model_name") for k in kids]
            if "FloatProgressModel" in kinds:
                bar = kids[kinds.index("FloatProgressModel")]["state"]
                assert bar.get("value") == bar.get("max") and "100%" in py2nb._text(data["text/plain"]), \
                    f"{name}: a progress bar below 100% ({py2nb._text(data['text/plain'])[:80]!r})"
            elif "OutputModel" in kinds:
                assert "image/png" in data or "image/svg+xml" in data or not \
                    py2nb._text(data["text/plain"]).startswith("interactive("), \
                    f"{name}: an interact output without its static figure (run `make notebooks`)"
