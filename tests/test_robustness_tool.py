"""tools/robustness.py's own machinery on a stand-in experiment: one table row per setting,
per-seed verdicts, the pooled verdict, a cache that makes an interrupted run resume without
redoing finished seeds, and the report file with its JSON."""
import importlib.util
import json
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture()
def tool():
    spec = importlib.util.spec_from_file_location("robustness", os.path.join(ROOT, "tools", "robustness.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules["robustness"] = mod  # dataclasses look their module up there
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop("robustness", None)


def test_every_experiment_names_a_chosen_setting(tool):
    for exp_id, exp in tool.EXPERIMENTS.items():
        assert exp.chosen in exp.settings, exp_id
        assert exp.cache_as is None or exp.cache_as in tool.EXPERIMENTS
        if exp.cache_as:  # reading another's runs only makes sense with the same settings
            assert exp.settings == tool.EXPERIMENTS[exp.cache_as].settings


def test_table_cache_and_resume(tool, tmp_path):
    calls = []

    def run(seed, *, shift):
        calls.append(seed)
        if seed == 3 and len(calls) == 4:
            raise KeyboardInterrupt  # an interrupted run
        return {"a": 0.6 + shift + 0.01 * seed, "b": 0.5}

    def judge(r):
        d = r["a"] - r["b"]
        return f"{r['a']:.2f} vs {r['b']:.2f}", d > 0.05, d

    exp = tool.Experiment("99", "A against B", "a vs b", "a - b > 0.05", run, judge,
                          settings={"big": dict(shift=0.1), "small": dict(shift=-0.1)},
                          chosen="big",
                          pooled=lambda raws: tool.V.verdict("A", [r["a"] for r in raws], "B",
                                                             [r["b"] for r in raws],
                                                             lower_is_better=False, paired=True))
    tool.EXPERIMENTS = {"99": exp}
    cache = str(tmp_path / "cache.json")
    with pytest.raises(KeyboardInterrupt):
        tool.main(["--only", "99", "--cache", cache])
    assert calls == [0, 1, 2, 3] and len(json.load(open(cache))) == 3   # seeds 0-2 kept
    out = str(tmp_path / "robustness.md")
    tool.main(["--only", "99", "--settings", "all", "--cache", cache, "--out", out])
    assert calls == [0, 1, 2, 3, 3, 4] + [0, 1, 2, 3, 4]                # resumed at seed 3
    text = open(out).read()
    assert "`big` (chosen)" in text and "**5/5**" in text and "**0/5**" in text
    assert "A beats B" in text and "a - b > 0.05" in text and '"shift": 0.1' in text
    assert len(json.load(open(str(tmp_path / "robustness.json")))) == 10
    calls.clear()
    tool.main(["--only", "99", "--cache", cache, "--cached"])            # nothing reruns
    assert calls == []


def test_bad_arguments(tool):
    with pytest.raises(SystemExit):
        tool.main(["--only", "00"])
    with pytest.raises(SystemExit):
        tool.main(["--only", "06", "--setting", "nope", "--cached"])


def test_collapse_rule_on_made_up_runs(tool):
    """The 06 rule: share up by one edge AND accuracy down beyond the lookup noise."""
    sd = tool.digits_bench()[1]
    assert 0.005 < sd < 0.1
    up_down = {"free": [0.5] * 5 + [0.9] * 5, "acc": [0.8] * 5 + [0.4] * 5}
    assert tool.judge_collapse(up_down)[1]
    small_drop = {"free": [0.5] * 5 + [0.9] * 5, "acc": [0.8] * 5 + [0.8 - sd] * 5}
    assert not tool.judge_collapse(small_drop)[1]
    no_share = {"free": [0.5] * 10, "acc": [0.8] * 5 + [0.4] * 5}
    assert not tool.judge_collapse(no_share)[1]
    assert np.isclose(tool.judge_collapse(up_down)[2], -0.4)
