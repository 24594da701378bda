# naslib-mini: two commands set everything up on a fresh machine.
#   make lab    create .venv, install, check Graphviz, open JupyterLab on the tour
#   make test   the same set-up, then unit tests and every notebook under nbval
#   make book   the executed notebooks as a static HTML book in site/ (open site/index.html)
# Conda users: `conda env create -f environment.yml && conda activate naslib-mini`,
# then `make lab PYTHON=python` / `make test PYTHON=python` (no .venv is made).

VENV   ?= .venv
PYTHON ?= $(VENV)/bin/python
STAMP  := $(dir $(PYTHON)).naslib-mini-installed
ROOT   := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test setup dot notebooks speed smoke clean book book-check gpu-check robustness

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --upgrade pip
	$(PYTHON) -m pip install -e .
	@touch $(STAMP)

dot:
	@sh tools/ensure_dot.sh

setup: $(STAMP) dot

lab: setup
	cd notebooks && ../$(PYTHON) -m jupyter lab 00_tour.ipynb $(ROOT)

test: setup
	NASLIB_MINI_PROFILE=quick $(PYTHON) -m pytest tests notebooks solutions --nbval-lax \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600 -q

# Developer targets: rebuild notebooks from nbsrc/ and execute them in the quick profile.
notebooks: setup
	NASLIB_MINI_PROFILE=quick $(PYTHON) tools/py2nb.py --execute nbsrc/*.py $(wildcard solsrc/*.py)

# The book: static pages from the committed notebooks, built offline; book-check opens every
# page in Debian's Chromium (apt-get install chromium; pip install playwright) and screenshots it.
book: $(STAMP)
	$(PYTHON) tools/build_book.py --out site

book-check: book
	$(PYTHON) tools/book_check.py --site site --out book-check

speed: setup
	$(PYTHON) -m naslib_mini.speed

# Five seeds of each notebook's headline experiment, one table (docs/robustness.md); resumable
# (runs/robustness/cache.json). Not part of make test: about an hour on a 2-core CPU.
robustness: setup
	OMP_NUM_THREADS=1 $(PYTHON) tools/robustness.py --out docs/robustness.md

clean:
	rm -rf $(VENV) lab-smoke .pytest_cache site book-check

# On a machine with CUDA: speed, a full-size search epoch, bf16 against fp32, per-step costs
# and the CUDA paths, written to gpu_check.md (README, "GPU figures").
gpu-check: setup
	$(PYTHON) tools/gpu_check.py --out gpu_check.md
