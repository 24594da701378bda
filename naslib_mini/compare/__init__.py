"""Every strategy on the same ground truth, with the same accounting (notebook 12); the
statistics (bootstrap intervals, verdicts, seeds needed, ...) are in `metrics`:

- referee:    compare(strategies, budget, seeds): every contender, every seed, one driver loop
- oracle:     the answer key (Truth), the only door to the table (Oracle), calibrate_time
- results:    what compare returns: Run (one strategy, one seed), Results, the leaderboard
- contenders: the course's strategies as contenders over the NAS-Bench-201 space

    from naslib_mini.compare import Discrete, compare
    res = compare({"random": contenders.random_search(), ...}, budget=100, seeds=20, bench=real)
"""
from .oracle import BudgetExhausted, Oracle, Truth, calibrate_time  # noqa: F401
from .referee import Discrete, OneShot, compare  # noqa: F401
from .results import Results, Run, format_leaderboard  # noqa: F401
