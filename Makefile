# The two commands a newcomer types:  `make run`  and  `make test`.
# Each creates the virtual environment (.venv) on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned first so pip takes the CPU wheel where one lies on disk (and never a
# newer CUDA build pulled in by a range); on an ordinary box it comes from PyPI.
TORCH  ?= torch==2.13.0
OUT    ?= out

.PHONY: run test lint typecheck unit bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[mt,dev]"
	touch $@

run: $(BIN)/.installed
	mkdir -p $(OUT)
	$(BIN)/songngu segment examples/news --format jsonl -o $(OUT)/segments.jsonl --force
	$(BIN)/songngu segment examples/news | head -n 20

lint: $(BIN)/.installed
	$(BIN)/ruff check corpus translate aligned tests benchmarks
	$(BIN)/ruff format --check corpus translate aligned tests benchmarks

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/segmentation.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
