# Two entry points for a fresh machine:
#   make app    set up a venv, build the embedded synthetic season, start the Streamlit app
#   make test   set up a venv (with test extras) and run the whole test suite
#   make test-fast   the same without the tests marked slow (a few minutes)
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8501
# localhost only by default; `make app ADDRESS=0.0.0.0` exposes the app on purpose (README)
ADDRESS ?= 127.0.0.1
DATA   ?=
# torch is pinned to the CPU build that pip finds locally; other versions pull CUDA wheels.
TORCH  ?= torch==2.13.0

.PHONY: app test test-fast setup setup-test lint bench clean-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

# test extras + the optional 'tune' extra (Ray Tune, MLflow), so CI runs their tests too
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,tune]' $(TORCH)
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

app: setup
	$(BIN)/coverage init $(if $(DATA),--data $(DATA),)
	$(BIN)/python app.py --server.address $(ADDRESS) --server.port $(PORT) \
		--server.headless true \
		--browser.gatherUsageStats false --server.fileWatcherType none $(if $(DATA),-- --data $(DATA),)

# two workers: the tests are mostly single-threaded, and CI has two cores
test: setup-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -ra -n 2 --durations=15

# the fast tier: all but the tests marked slow (Ray tuning, long simulations, servers, browsers)
test-fast: setup-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -ra -n 2 -m "not slow" --durations=15

lint: setup-test
	$(BIN)/ruff check .

# each benchmark rewrites its page under docs/benchmarks/ (index: docs/benchmarks/README.md);
# one that fails (no Chromium, no real data) leaves its page as it was and the rest still run
bench: setup
	@failed=""; for b in benchmarks/bench_*.py; do echo "== $$b"; \
	  $(BIN)/python $$b || failed="$$failed $$b"; done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

clean-data:
	rm -rf data/synthetic
