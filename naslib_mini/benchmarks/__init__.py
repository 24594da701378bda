"""Tabular benchmarks over the NAS-Bench-201 cell space: a search looks a cell up instead of
training it. Two tables answer one interface (`tabular`):

- tabular: the query interface both tables share (query, table, best, rank, record, ...)
- digits:  our own table, every cell trained on the embedded digits (the shipped asset)
- real:    the real NAS-Bench-201 (CIFAR-10, CIFAR-100, ImageNet16-120), seed-averaged
- recipe:  how our table trains one cell (BuildConfig, load_splits, train_cell)
- build:   the resumable build (shards, pack) and the command line,
           `python -m naslib_mini.benchmarks build | pack | info`
"""
