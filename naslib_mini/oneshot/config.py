"""The settings of every one-shot method, one commented dataclass each (nanoGPT style), with
named presets:

    PAPER        the paper's CIFAR-10 search (each field's comment gives its source)
    QUICK        the quick profile of the method's notebook (digits, a 2-core CPU, minutes)
    NB201        the search on the NAS-Bench-201 space as NAS-Bench-201's own code runs it
    NB201_QUICK  its quick version

A notebook writes `cfg = P.config(DARTSConfig.QUICK, DARTSConfig.PAPER)` and prints
`cfg.describe(DARTSConfig.PAPER)`; `cfg.smoke()` shrinks only the lengths (config.length).
Sources: [P] the paper (arXiv id, section), [C] the official code, [U] unverified (not read
here: a reader should check it before quoting it). The DARTS-family searches hold out half of
the training images to train the architecture (DARTS sec. 3.1.1, train_portion 0.5): that is
the data's split, `data.load(..., val_fraction=0.5)`. Two differences for every search: fit's
cosine decays to 0 (DARTS' paper says to zero, its code to 0.001), and the official codes'
crop-and-flip augmentation of CIFAR-10 during the search is not applied.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..config import Config, length, zero_ok
from ..genotypes import DARTS_PRIMITIVES


class _Search(Config):
    """The relation the DARTS-family configs share (fit checks the weights' settings)."""

    def check(self):
        if self.warmup_epochs >= self.num_epochs:
            raise ValueError(f"{type(self).__name__}: warmup_epochs={self.warmup_epochs} >= "
                             f"num_epochs={self.num_epochs}: the architecture would never be "
                             "trained; use fewer warm-up epochs")


@dataclass(frozen=True)
class DARTSConfig(_Search):
    """DARTS (Liu et al. 2019, arXiv 1806.09055; official code quark0/darts cnn/train_search.py)."""
    # the search network
    C: int = 16                    # initial channels [P sec. 3.1.1; C --init_channels 16]
    layers: int = 8                # cells, reductions at 1/3 and 2/3 [P sec. 3.1.1; C --layers 8]
    stages: int = 1                # NAS-Bench-201 supernet only: stages of `layers` cells
    # the weights: SGD, cosine decay (train.fit)
    num_epochs: int = length(50, smoke=2)  # [P sec. 3.1.1; C --epochs 50]
    batch_size: int = 64           # also the alpha step's validation batch [P sec. 3.1.1]
    lr: float = 0.025              # [P sec. 3.1.1]
    momentum: float = 0.9          # [P sec. 3.1.1]
    weight_decay: float = 3e-4     # [P sec. 3.1.1]
    grad_clip: float | None = 5.0  # gradient norm clip of the weights [C --grad_clip 5]
    # the architecture: alpha, Adam
    order: int = 2                 # 2: unrolled step, xi = lr (2.76%, the paper's result); 1: xi = 0 [P Table 1]
    arch_lr: float = 3e-4          # [P sec. 3.1.1]
    arch_betas: tuple = (0.5, 0.999)  # Adam's momentum [P sec. 3.1.1]
    arch_weight_decay: float = 1e-3   # [P sec. 3.1.1]
    init_scale: float = 1e-3       # alpha = init_scale * randn [C model_search.py]
    r: float = 1e-2                # finite difference eps = r / ||grad_w' L_val|| [P eq. 8]
    warmup_epochs: int = length(0, smoke=1, min=0)  # weight epochs before alpha moves (DARTS: none)

    def check(self):
        super().check()
        if self.order not in (1, 2):
            raise ValueError(f"DARTSConfig.order must be 1 (first order) or 2 (unrolled), got {self.order!r}")


DARTSConfig.PAPER = DARTSConfig()
# notebook 06: 3 cells of 4 channels, first order, alpha lr 1e-2 for ~20 steps instead of ~20,000
DARTSConfig.QUICK = DARTSConfig.PAPER.replace(C=4, layers=3, num_epochs=3, batch_size=32, order=1,
                                              arch_lr=1e-2)
# NAS-Bench-201 (arXiv 2001.00326) runs DARTS-V1 on its own skeleton: 3 stages of N = 5 cells,
# C = 16, 50 epochs, batch 64, SGD 0.025, weight decay 5e-4 (Nesterov; plain momentum here)
# [C D-X-Y/AutoDL-Projects scripts-search/NAS-Bench-201-algos/DARTS-V1.sh, configs/nas-benchmark/algos/DARTS.config]
DARTSConfig.NB201 = DARTSConfig.PAPER.replace(layers=5, stages=3, order=1, weight_decay=5e-4)
DARTSConfig.NB201_QUICK = DARTSConfig.NB201.replace(C=4, layers=3, num_epochs=10, weight_decay=3e-4,
                                                  arch_lr=1e-2)


@dataclass(frozen=True)
class GDASConfig(_Search):
    """GDAS (Dong & Yang 2019, arXiv 1910.04465; official code D-X-Y/AutoDL-Projects,
    scripts-search/NASNet-space-search-by-GDAS.sh, configs/search-opts/GDAS-NASNet-CIFAR.config)."""
    C: int = 16                    # [U: the official model config not read; DARTS' search network]
    layers: int = 8                # [U: as C]
    stages: int = 1                # NAS-Bench-201 supernet only: stages of `layers` cells
    num_epochs: int = length(250, smoke=2)  # [C GDAS-NASNet-CIFAR.config epochs 250]
    batch_size: int = 256          # [C GDAS-NASNet-CIFAR.config]
    lr: float = 0.025              # cosine [C GDAS-NASNet-CIFAR.config LR, eta_min 0.001]
    momentum: float = 0.9          # Nesterov in the official config; plain momentum here [C]
    weight_decay: float = 5e-4     # [C GDAS-NASNet-CIFAR.config decay]
    grad_clip: float | None = 5.0  # [U: as DARTS]
    arch_lr: float = 3e-4          # [C --arch_learning_rate 0.0003]
    arch_betas: tuple = (0.5, 0.999)  # [C as DARTS' architect]
    arch_weight_decay: float = 1e-3   # [C --arch_weight_decay 0.001]
    init_scale: float = 1e-3       # alpha = init_scale * randn [C as DARTS]
    tau_max: float = 10.0          # Gumbel-softmax temperature at the first epoch [C --tau_max 10]
    tau_min: float = 0.1           # ... at the last, linear in between [C --tau_min 0.1]
    warmup_epochs: int = length(0, smoke=1, min=0)  # weight epochs before alpha moves (GDAS: none)

    def check(self):
        super().check()
        if self.tau_min > self.tau_max:
            raise ValueError(f"GDASConfig needs tau_min <= tau_max, got tau_min={self.tau_min!r}, "
                             f"tau_max={self.tau_max!r}")


GDASConfig.PAPER = GDASConfig()
# notebook 07: the small network of notebook 06, alpha lr 1e-2 for ~60 steps
GDASConfig.QUICK = GDASConfig.PAPER.replace(C=4, layers=3, num_epochs=10, batch_size=32,
                                            weight_decay=3e-4, arch_lr=1e-2)
# NAS-Bench-201's GDAS: its skeleton (3 stages of 5 cells, C = 16), 240 epochs, batch 64
# [C scripts-search/NAS-Bench-201-algos/GDAS.sh, configs/nas-benchmark/algos/GDAS.config]
GDASConfig.NB201 = GDASConfig.PAPER.replace(layers=5, stages=3, num_epochs=240, batch_size=64)
# notebook 07: the benchmark's own one-cell network as the supernet
GDASConfig.NB201_QUICK = GDASConfig.NB201.replace(C=8, layers=1, stages=1, num_epochs=15,
                                                  weight_decay=3e-4, arch_lr=1e-2)


@dataclass(frozen=True)
class PCDARTSConfig(_Search):
    """PC-DARTS (Xu et al. 2020, arXiv 1907.05737; official code yuhuixu1993/PC-DARTS
    train_search.py). The PC-DARTS step is DARTS' first-order step with betas beside alphas."""
    C: int = 16                    # [C --init_channels 16]
    layers: int = 8                # [C --layers 8]
    stages: int = 1                # NAS-Bench-201 supernet only: stages of `layers` cells
    K: int = 4                     # 1/K of the channels through the mixed op (CIFAR-10) [P sec. 4.2]
    edge_norm: bool = True         # edge normalisation by softmax(beta) [P sec. 3.3]
    num_epochs: int = length(50, smoke=2)  # [C --epochs 50]
    batch_size: int = 256          # [P sec. 4.2; C --batch_size 256]
    lr: float = 0.1                # cosine [P sec. 4.2; C --learning_rate 0.1]
    momentum: float = 0.9          # [C]
    weight_decay: float = 3e-4     # [C --weight_decay 3e-4]
    grad_clip: float | None = 5.0  # [C --grad_clip 5]
    arch_lr: float = 6e-4          # alpha and beta [P sec. 4.2; C --arch_learning_rate 6e-4]
    beta_lr: float = 6e-4          # one Adam for alphas and betas [C architect.py]
    arch_betas: tuple = (0.5, 0.999)  # [C architect.py]
    arch_weight_decay: float = 1e-3   # [C --arch_weight_decay 1e-3]
    init_scale: float = 1e-3       # alpha, beta = init_scale * randn [C model_search.py]
    warmup_epochs: int = length(15, smoke=1, min=0)  # architecture frozen for the first 15 [P sec. 4.2; C epoch >= 15]

    def check(self):
        super().check()
        if self.C % self.K:
            raise ValueError(f"PCDARTSConfig: partial channels need C divisible by K >= 1, got "
                             f"C={self.C}, K={self.K}")


PCDARTSConfig.PAPER = PCDARTSConfig()
# notebook 09: 3 cells of 4 channels, K = 2, 2 epochs of 2 steps, alpha lr 1e-2
PCDARTSConfig.QUICK = PCDARTSConfig.PAPER.replace(C=4, layers=3, K=2, num_epochs=2, batch_size=32,
                                                  lr=0.025, arch_lr=1e-2, beta_lr=1e-2,
                                                  warmup_epochs=0)
# not in the paper: PC-DARTS' CIFAR-10 settings on NAS-Bench-201's skeleton (as DARTSConfig.NB201)
PCDARTSConfig.NB201 = PCDARTSConfig.PAPER.replace(layers=5, stages=3)
# notebook 09: the benchmark's own one-cell network as the supernet
PCDARTSConfig.NB201_QUICK = PCDARTSConfig.NB201.replace(C=8, layers=1, stages=1, K=2, num_epochs=10,
                                                        batch_size=64, lr=0.025, arch_lr=1e-2,
                                                        beta_lr=1e-2, warmup_epochs=0)


@dataclass(frozen=True)
class Stage:
    """One P-DARTS stage."""
    layers: int             # cells in the search network (paper: 5, 11, 17)
    n_ops: int              # candidate ops on every edge during this stage (paper: 8, 5, 3)
    dropout: float = 0.0    # initial skip_connect dropout rate (official README, CIFAR-10: 0.1, 0.4, 0.7)

    def __post_init__(self):
        for f in ("layers", "n_ops"):
            v = getattr(self, f)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"Stage.{f} must be an integer >= 1, got {v!r}")
        if not isinstance(self.dropout, (int, float)) or not 0 <= self.dropout < 1:
            raise ValueError(f"Stage.dropout must be a number in [0, 1), got {self.dropout!r}")


# [P sec. 3.2, 4.1: 5 -> 11 -> 17 cells, 8 -> 5 -> 3 ops; C train_search.py add_layers 0, 6, 12,
# num_to_keep 5, 3, 1]; skip dropout 0.1 / 0.4 / 0.7 is the official README's CIFAR-10 command
# [C]; the paper's text gives 0.0 / 0.4 / 0.7 for CIFAR-10 [S: a secondary summary; the paper's
# text not read here]
PAPER_STAGES = (Stage(5, 8, 0.1), Stage(11, 5, 0.4), Stage(17, 3, 0.7))


@dataclass(frozen=True)
class PDARTSConfig(_Search):
    """P-DARTS (Chen et al. 2019, arXiv 1904.12760; official code chenxin061/pdarts train_search.py)."""
    stages: tuple = PAPER_STAGES   # cells, ops per edge, skip dropout per stage [P sec. 3.2; C]
    C: int = 16                    # [C --init_channels 16]
    primitives: tuple = DARTS_PRIMITIVES  # the first stage's ops on every edge [P: DARTS' 8]
    M: int = zero_ok(2)            # skip_connects kept in the final normal cell [P sec. 3.3]
    num_epochs: int = length(25, smoke=2)  # per stage [P sec. 4.1; C --epochs 25]
    batch_size: int = 96           # [C --batch_size 96]
    lr: float = 0.025              # cosine to 0 [C --learning_rate 0.025, --learning_rate_min 0]
    momentum: float = 0.9          # [C]
    weight_decay: float = 3e-4     # [C --weight_decay 3e-4]
    grad_clip: float | None = 5.0  # weights only here; the official code clips alpha's too [C]
    order: int = 1                 # first order [C: train() takes a plain gradient step on alpha]
    arch_lr: float = 6e-4          # [C --arch_learning_rate 6e-4]
    arch_betas: tuple = (0.5, 0.999)  # [C optimizer_a]
    arch_weight_decay: float = 1e-3   # [C --arch_weight_decay 1e-3]
    init_scale: float = 1e-3       # alphas re-initialised every stage [C model_search.py]
    r: float = 1e-2                # (second order only)
    warmup_epochs: int = length(10, smoke=1, min=0)  # alphas frozen per stage [P sec. 4.1; C eps_no_archs 10]
    dropout_decay: float = 0.2     # skip dropout * exp(-decay * epochs since warm-up) [C scale_factor]
    cost_repeats: int = length(3, smoke=1, min=0)  # timed search steps per stage (0: not measured)

    @property
    def layers(self) -> int:      # the last stage's depth (what _Search checks)
        return self.stages[-1].layers

    def check(self):
        if not isinstance(self.stages, tuple) or not self.stages \
                or not all(isinstance(st, Stage) for st in self.stages):
            raise TypeError(f"PDARTSConfig.stages must be a non-empty tuple of Stage, got {self.stages!r}")
        super().check()


PDARTSConfig.PAPER = PDARTSConfig()
# notebook 08: 3, 4, 5 cells of 4 channels, 3 epochs per stage (alphas frozen for the first)
PDARTSConfig.QUICK = PDARTSConfig.PAPER.replace(
    stages=(Stage(3, 8, 0.1), Stage(4, 5, 0.4), Stage(5, 3, 0.7)), C=4, num_epochs=3,
    warmup_epochs=1, batch_size=32, arch_lr=1e-2, cost_repeats=1)


@dataclass(frozen=True)
class DenseNASConfig(Config):
    """DenseNAS (Fang et al. 2020, arXiv 1906.09607; official code JaminFong/DenseNAS,
    configs/search_config.py and configs/imagenet_search_cfg_mbv2.yaml). The space (widths,
    resolutions, layers, M) is the supernet's: spaces/densenas.py."""
    num_epochs: int = length(150, smoke=2)     # warm-up included [C imagenet_search_cfg_mbv2.yaml epochs 150]
    warmup_epochs: int = length(50, smoke=1, min=0)  # weights only [C arch_update_epoch 50]
    batch_size: int = 352          # [C imagenet_search_cfg_mbv2.yaml data.batch_size]
    lr: float = 0.2                # cosine [C imagenet_search_cfg_mbv2.yaml weight.init_lr; search_config.py: 0.1]
    momentum: float = 0.9          # [C]
    weight_decay: float = 4e-5     # [C weight.weight_decay]
    grad_clip: float | None = None  # [U: none found in the official search]
    arch_lr: float = 3e-4          # alpha [C arch.alpha_lr]
    beta_lr: float = 3e-4          # beta [C arch.beta_lr]
    arch_betas: tuple = (0.5, 0.999)  # [C run_apis/optimizer.py]
    arch_weight_decay: float = 1e-3   # [C arch.weight_decay]
    init_scale: float = 1e-3       # alpha, beta = init_scale * randn [C]
    lam: float = 0.1               # latency loss weight [C search_config.py sub_loss_factor; MBV2 yaml: 0.15]
    tau: float = 15.0              # log base of the latency term [C log_base 15]
    warmup_sample: int | None = 1  # ops drawn uniformly per layer in a warm-up step [C]
    weight_sample: int | None = 1  # ops drawn by softmax(alpha) per layer in a weight step [C weight_sample_num 1]
    arch_sample: int | None = 2    # ops drawn per layer in an architecture step [C dropped_model.py]
    arch_every: int = 1            # an architecture step every arch_every weight steps
    channels_last: bool = True     # NHWC (train.fit): ~25% faster small convolutions on a CPU

    def check(self):
        if self.warmup_epochs > self.num_epochs or self.tau <= 1:
            raise ValueError(f"DenseNASConfig needs warmup_epochs <= num_epochs and tau (a "
                             f"logarithm's base) > 1, got {self.warmup_epochs}, "
                             f"{self.num_epochs}, tau={self.tau!r}")


DenseNASConfig.PAPER = DenseNASConfig()
# notebook 10: a one-epoch warm-up and one search epoch; every op mixed in the weight steps
# (one sampled op learns too little in so few steps), alpha lr 0.1, a larger lambda
DenseNASConfig.QUICK = DenseNASConfig.PAPER.replace(num_epochs=2, warmup_epochs=1, batch_size=64,
                                                    lr=0.1, warmup_sample=None, weight_sample=None,
                                                    arch_lr=0.1, beta_lr=0.1, lam=3.0)


@dataclass(frozen=True)
class SPOSConfig(Config):
    """SPOS (Guo et al. 2019, arXiv 1904.00420): supernet training with one uniform path per
    step, then the selection step, an evolutionary search over inherited validation accuracy
    (BN recalibrated per path). The paper trains on ImageNet; the NAS-Bench-201 presets train
    with our benchmark's recipe (benchmarks.recipe.BuildConfig), so that the supernet's ranking
    can be compared with the benchmark's."""
    sampler: str = "spos"          # "spos" uniform, "fairnas" strict, "expectation" m uniform paths
    C: int = 16                    # NAS-Bench-201 supernet: channels (the benchmark's 16)
    layers: int = 1                # NAS-Bench-201 supernet: cells per stage (the benchmark's 1)
    stages: int = 1                # NAS-Bench-201 supernet: stages (the benchmark's 1)
    affine: bool = True            # BN scale and shift: a path is exactly the stand-alone network
    num_epochs: int = length(120, smoke=2)  # supernet training [U: SPOS' ImageNet supernet]
    batch_size: int = 1024         # [U: SPOS, ImageNet]
    lr: float = 0.5                # cosine here; linear decay in SPOS [U]
    momentum: float = 0.9          # [U]
    weight_decay: float = 4e-5     # [U]
    grad_clip: float | None = None  # no clipping [U]
    crop: int = zero_ok(0)         # random shifts of up to `crop` pixels during training
    channels_last: bool = True     # NHWC (train.fit): ~25% faster small convolutions on a CPU
    selection: str = "evolution"   # "evolution", "sample" (random cells) or "none" (train only)
    n_candidates: int = length(1000, smoke=2)  # paths scored: population 50 x 20 generations [C SPOS search]
    population_size: int = 50      # [C SPOS' search: population 50]
    sample_size: int = 10          # regularized evolution's tournament (SPOS: top-10 parents) [U]
    bn_batches: int = length(2, smoke=1)  # training batches to recalibrate BN per path
    bn_batch_size: int = 256       # images per recalibration batch

    def check(self):
        for f, valid in (("sampler", ("spos", "fairnas", "expectation")),
                         ("selection", ("evolution", "sample", "none"))):
            if getattr(self, f) not in valid:
                raise ValueError(f"{type(self).__name__}.{f} must be one of {valid}, got "
                                 f"{getattr(self, f)!r}")


@dataclass(frozen=True)
class FairNASConfig(SPOSConfig):
    """FairNAS (Chu et al. 2019, arXiv 1907.01845): strict fairness, m = n paths per step from
    one permutation per layer, their gradients summed into one update; then SPOS' selection."""
    sampler: str = "fairnas"       # strict fairness [P sec. 3]
    num_epochs: int = length(150, smoke=2)  # [U: FairNAS' ImageNet supernet]
    batch_size: int = 256          # [U]
    lr: float = 0.045              # [U]


# the benchmark's recipe (benchmarks.recipe.BuildConfig: lr 0.2, batch 256, weight decay 5e-4,
# shifts of 1 pixel, 10 epochs); notebooks 11 and 12 train NAS-Bench-201 supernets with it
_RECIPE = dict(num_epochs=100, batch_size=256, lr=0.2, weight_decay=5e-4, crop=1)
_QUICK = dict(num_epochs=8, n_candidates=30, population_size=10, sample_size=3, bn_batches=1)
for _cls in (SPOSConfig, FairNASConfig):
    _cls.PAPER = _cls()
    _cls.NB201 = _cls.PAPER.replace(**_RECIPE)
    _cls.NB201_QUICK = _cls.NB201.replace(**_QUICK)


@dataclass(frozen=True)
class TrainConfig(Config):
    """Training a derived cell from scratch (search.retrain): DARTS' evaluation on CIFAR-10
    (arXiv 1806.09055, sec. 3.2 and A.1.2; official cnn/train.py), used by P-DARTS and PC-DARTS
    too. Not implemented here: the auxiliary head (weight 0.4) and drop-path (0.2)."""
    C: int = 36                    # initial channels [P sec. 3.2; C --init_channels 36]
    layers: int = 20               # cells [P sec. 3.2; C --layers 20]
    num_epochs: int = length(600, smoke=1)  # [P sec. 3.2; C --epochs 600]
    batch_size: int = 96           # [P sec. 3.2; C --batch_size 96]
    lr: float = 0.025              # SGD, cosine [C --learning_rate 0.025]
    momentum: float = 0.9          # [C]
    weight_decay: float = 3e-4     # [C --weight_decay 3e-4]
    grad_clip: float | None = 5.0  # [C --grad_clip 5]
    crop: int = zero_ok(4)         # random shifts of up to 4 pixels [C utils._data_transforms_cifar10]
    hflip: bool = True             # random horizontal flips [C as crop]
    cutout: int = zero_ok(16)      # cutout square of 16 pixels [P sec. 3.2; C --cutout_length 16]


TrainConfig.PAPER = TrainConfig()
# notebook 06: 3 cells of 8 channels, 3 epochs on digits, no augmentation
TrainConfig.QUICK = TrainConfig.PAPER.replace(C=8, layers=3, num_epochs=3, batch_size=64, lr=0.05,
                                              crop=0, hflip=False, cutout=0)
