"""The method configs: every PAPER preset against the papers' facts (with the source of each),
a comment on every field, smoke() shrinking exactly the lengths, and the profile's pick of a
preset (quick, full, and full with the smoke switch)."""
import dataclasses
import inspect
import re

import pytest

from naslib_mini.config import Config, get_profile
from naslib_mini.genotypes import DARTS_PRIMITIVES
from naslib_mini.oneshot import config as oc

# (config, field, the paper's value, where it stands). [P] the paper, [C] the official code.
FACTS = [
    (oc.DARTSConfig.PAPER, "C", 16, "[P] 1806.09055 sec. 3.1.1: 8 cells, 16 initial channels"),
    (oc.DARTSConfig.PAPER, "layers", 8, "[P] 1806.09055 sec. 3.1.1"),
    (oc.DARTSConfig.PAPER, "num_epochs", 50, "[P] 1806.09055 sec. 3.1.1: 50 epochs"),
    (oc.DARTSConfig.PAPER, "batch_size", 64, "[P] 1806.09055 sec. 3.1.1: batch size 64"),
    (oc.DARTSConfig.PAPER, "lr", 0.025, "[P] 1806.09055 sec. 3.1.1: SGD 0.025, cosine"),
    (oc.DARTSConfig.PAPER, "momentum", 0.9, "[P] 1806.09055 sec. 3.1.1"),
    (oc.DARTSConfig.PAPER, "weight_decay", 3e-4, "[P] 1806.09055 sec. 3.1.1"),
    (oc.DARTSConfig.PAPER, "grad_clip", 5.0, "[C] quark0/darts cnn/train_search.py --grad_clip 5"),
    (oc.DARTSConfig.PAPER, "arch_lr", 3e-4, "[P] 1806.09055 sec. 3.1.1: Adam 3e-4"),
    (oc.DARTSConfig.PAPER, "arch_betas", (0.5, 0.999), "[P] 1806.09055 sec. 3.1.1"),
    (oc.DARTSConfig.PAPER, "arch_weight_decay", 1e-3, "[P] 1806.09055 sec. 3.1.1"),
    (oc.DARTSConfig.PAPER, "order", 2, "[P] 1806.09055 Table 1: second order, 2.76%"),
    (oc.DARTSConfig.PAPER, "r", 1e-2, "[P] 1806.09055 eq. 8: eps = 0.01 / ||grad||"),
    (oc.DARTSConfig.NB201, "layers", 5, "[C] AutoDL-Projects NAS-Bench-201-algos/DARTS-V1.sh num_cells 5"),
    (oc.DARTSConfig.NB201, "stages", 3, "[C] NAS-Bench-201's search skeleton, 3 stages"),
    (oc.DARTSConfig.NB201, "weight_decay", 5e-4, "[C] configs/nas-benchmark/algos/DARTS.config decay"),
    (oc.DARTSConfig.NB201, "order", 1, "[C] DARTS-V1: first order"),
    (oc.GDASConfig.PAPER, "num_epochs", 250, "[C] configs/search-opts/GDAS-NASNet-CIFAR.config"),
    (oc.GDASConfig.PAPER, "batch_size", 256, "[C] GDAS-NASNet-CIFAR.config"),
    (oc.GDASConfig.PAPER, "weight_decay", 5e-4, "[C] GDAS-NASNet-CIFAR.config"),
    (oc.GDASConfig.PAPER, "tau_max", 10.0, "[C] NASNet-space-search-by-GDAS.sh --tau_max 10"),
    (oc.GDASConfig.PAPER, "tau_min", 0.1, "[C] --tau_min 0.1"),
    (oc.GDASConfig.PAPER, "arch_lr", 3e-4, "[C] --arch_learning_rate 0.0003"),
    (oc.GDASConfig.PAPER, "arch_weight_decay", 1e-3, "[C] --arch_weight_decay 0.001"),
    (oc.GDASConfig.NB201, "num_epochs", 240, "[C] configs/nas-benchmark/algos/GDAS.config"),
    (oc.GDASConfig.NB201, "batch_size", 64, "[C] configs/nas-benchmark/algos/GDAS.config"),
    (oc.PCDARTSConfig.PAPER, "K", 4, "[P] 1907.05737 sec. 4.2: K = 4 on CIFAR-10"),
    (oc.PCDARTSConfig.PAPER, "batch_size", 256, "[P] 1907.05737 sec. 4.2: batch 256"),
    (oc.PCDARTSConfig.PAPER, "lr", 0.1, "[P] 1907.05737 sec. 4.2; [C] --learning_rate 0.1"),
    (oc.PCDARTSConfig.PAPER, "arch_lr", 6e-4, "[P] 1907.05737 sec. 4.2; [C] --arch_learning_rate 6e-4"),
    (oc.PCDARTSConfig.PAPER, "beta_lr", 6e-4, "[C] one Adam over alphas and betas"),
    (oc.PCDARTSConfig.PAPER, "warmup_epochs", 15, "[P] 1907.05737 sec. 4.2; [C] if epoch >= 15"),
    (oc.PCDARTSConfig.PAPER, "num_epochs", 50, "[C] yuhuixu1993/PC-DARTS train_search.py --epochs 50"),
    (oc.PDARTSConfig.PAPER, "num_epochs", 25, "[P] 1904.12760 sec. 4.1; [C] --epochs 25"),
    (oc.PDARTSConfig.PAPER, "warmup_epochs", 10, "[C] chenxin061/pdarts eps_no_archs 10"),
    (oc.PDARTSConfig.PAPER, "batch_size", 96, "[C] --batch_size 96"),
    (oc.PDARTSConfig.PAPER, "arch_lr", 6e-4, "[C] --arch_learning_rate 6e-4"),
    (oc.PDARTSConfig.PAPER, "M", 2, "[P] 1904.12760 sec. 3.3: at most M = 2 skip-connects"),
    (oc.PDARTSConfig.PAPER, "C", 16, "[C] --init_channels 16"),
    (oc.PDARTSConfig.PAPER, "primitives", DARTS_PRIMITIVES, "[P] DARTS' 8 ops in the first stage"),
    (oc.DenseNASConfig.PAPER, "lam", 0.1, "[C] JaminFong/DenseNAS configs/search_config.py sub_loss_factor"),
    (oc.DenseNASConfig.PAPER, "tau", 15.0, "[C] configs/search_config.py log_base"),
    (oc.DenseNASConfig.PAPER, "num_epochs", 150, "[C] imagenet_search_cfg_mbv2.yaml epochs"),
    (oc.DenseNASConfig.PAPER, "warmup_epochs", 50, "[C] imagenet_search_cfg_mbv2.yaml arch_update_epoch"),
    (oc.DenseNASConfig.PAPER, "arch_lr", 3e-4, "[C] arch.alpha_lr"),
    (oc.DenseNASConfig.PAPER, "beta_lr", 3e-4, "[C] arch.beta_lr"),
    (oc.DenseNASConfig.PAPER, "weight_decay", 4e-5, "[C] weight.weight_decay"),
    (oc.DenseNASConfig.PAPER, "weight_sample", 1, "[C] weight_sample_num 1"),
    (oc.TrainConfig.PAPER, "layers", 20, "[P] 1806.09055 sec. 3.2: 20 cells"),
    (oc.TrainConfig.PAPER, "C", 36, "[P] 1806.09055 sec. 3.2: 36 initial channels"),
    (oc.TrainConfig.PAPER, "num_epochs", 600, "[P] 1806.09055 sec. 3.2: 600 epochs"),
    (oc.TrainConfig.PAPER, "batch_size", 96, "[P] 1806.09055 sec. 3.2: batch 96"),
    (oc.TrainConfig.PAPER, "cutout", 16, "[P] 1806.09055 sec. 3.2: cutout of length 16"),
    (oc.SPOSConfig.PAPER, "sampler", "spos", "[P] 1904.00420: uniform single paths"),
    (oc.SPOSConfig.PAPER, "population_size", 50, "[C] SPOS search: population 50"),
    (oc.SPOSConfig.PAPER, "n_candidates", 1000, "[C] SPOS search: 50 x 20 generations"),
    (oc.FairNASConfig.PAPER, "sampler", "fairnas", "[P] 1907.01845 sec. 3: strict fairness"),
]


@pytest.mark.parametrize("cfg, field, value, source", FACTS,
                         ids=[f"{type(c).__name__}-{f}" for c, f, _, _ in FACTS])
def test_paper_presets_hold_the_papers_settings(cfg, field, value, source):
    assert getattr(cfg, field) == value, f"{type(cfg).__name__}.{field}: {source}"


def test_pdarts_paper_stages():
    """[P] 1904.12760 sec. 3.2 / 4.1: 5, 11, 17 cells with 8, 5, 3 ops; skip-connect dropout
    0.1, 0.4, 0.7 is the official README's CIFAR-10 command [C]."""
    stages = oc.PDARTSConfig.PAPER.stages
    assert [(s.layers, s.n_ops, s.dropout) for s in stages] == [(5, 8, 0.1), (11, 5, 0.4), (17, 3, 0.7)]


CONFIGS = [oc.DARTSConfig, oc.GDASConfig, oc.PCDARTSConfig, oc.PDARTSConfig, oc.DenseNASConfig,
           oc.SPOSConfig, oc.FairNASConfig, oc.TrainConfig]


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_field_has_a_commented_default(cls):
    own = {f.name for f in dataclasses.fields(cls) if f.name in cls.__dict__.get("__annotations__", {})}
    source = inspect.getsource(cls)
    for name in own:
        line = re.search(rf"^    {name}: .*$", source, re.M)
        assert line and "#" in line.group(0), f"{cls.__name__}.{name} has no comment"


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_smoke_shrinks_the_lengths_and_keeps_the_structure(cls):
    paper, smoke = cls.PAPER, cls.PAPER.smoke()
    lengths = {f.name for f in dataclasses.fields(cls) if "smoke" in f.metadata}
    assert lengths and "num_epochs" in lengths
    for name, (small, big) in smoke.diff(paper).items():
        assert name in lengths and small < big  # only lengths move, and only down
    assert smoke.num_epochs <= 2
    if getattr(paper, "warmup_epochs", 0):  # the warm-up survives, shorter than the run
        assert 0 < smoke.warmup_epochs < smoke.num_epochs
    assert smoke.smoke() == smoke


def test_profiles_pick_a_preset(monkeypatch):
    q, p = oc.DARTSConfig.QUICK, oc.DARTSConfig.PAPER
    monkeypatch.setenv("NASLIB_MINI_SMOKE", "1")
    assert get_profile("quick").config(q, p) is q
    smoke = get_profile("full").config(q, p)  # no warning: the smoke run is short on a CPU
    assert smoke == p.smoke() and smoke.C == 16 and smoke.layers == 8 and smoke.num_epochs == 2
    monkeypatch.setenv("NASLIB_MINI_SMOKE", "0")
    with pytest.warns(UserWarning):
        assert get_profile("full").config(q, p) is p
    monkeypatch.setenv("NASLIB_MINI_SMOKE", "maybe")
    with pytest.raises(ValueError, match="NASLIB_MINI_SMOKE"):
        get_profile("full")
    with pytest.raises(TypeError, match="two presets"):
        get_profile("quick").config(q, oc.GDASConfig.PAPER)


def test_bad_settings_name_the_field():
    with pytest.raises(ValueError, match="DARTSConfig.num_epochs"):
        oc.DARTSConfig.PAPER.replace(num_epochs=0)
    with pytest.raises(ValueError, match="warmup_epochs"):
        oc.PCDARTSConfig.PAPER.replace(num_epochs=10)
    with pytest.raises(ValueError, match="divisible"):
        oc.PCDARTSConfig.PAPER.replace(C=18)
    assert issubclass(oc.DARTSConfig, Config)
    assert "(16)" in oc.DARTSConfig.QUICK.describe(oc.DARTSConfig.PAPER)  # the paper's value
