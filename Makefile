# geowarn — developer commands. `make run` and `make test` work on a fresh Debian machine with Python 3.11.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export GEOWARN_DATA ?= $(CURDIR)/instance

# make bench BENCH_ARGS=--quick: passed to every bench script (zones, alerts, live: smaller sets, fewer runs)
.PHONY: install run test lint typecheck pytest bench layers browser-test demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,postgis,browser]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/geowarn demo

run: install demo
	$(BIN)/geowarn worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/geowarn serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b $(BENCH_ARGS) || exit 1; done

# the layer build runs in its own venv with the exact versions of layers/requirements.lock: the shipped
# files are byte-reproducible only with the GEOS / Qhull / PROJ / GDAL / numpy that built them
LAYERS_VENV := .venv-layers
$(LAYERS_VENV)/.installed: layers/requirements.lock
	rm -rf $(LAYERS_VENV)
	$(PY) -m venv $(LAYERS_VENV)
	$(LAYERS_VENV)/bin/pip install --quiet --no-deps -r layers/requirements.lock
	touch $@

layers: $(LAYERS_VENV)/.installed
	$(LAYERS_VENV)/bin/python layers/build.py $(LAYERS_ARGS)

browser-test: install
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(LAYERS_VENV) instance .pytest_cache .mypy_cache .ruff_cache
