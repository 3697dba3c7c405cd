# The two commands a newcomer types:  `make run`  and  `make test`.
# Each creates the virtual environment (.venv) on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch is pinned first so pip takes the CPU wheel where one lies on disk (and never a
# newer CUDA build pulled in by a range); on an ordinary box it comes from PyPI.
TORCH  ?= torch==2.13.0
OUT    ?= out
MODEL  ?= Helsinki-NLP/opus-mt-vi-en

.PHONY: run test lint typecheck unit bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e ".[mt,ray,dev]"
	touch $@

# The main job: the sample articles -> $(OUT)/ (store + TMX/TSV/Moses/JSONL exports).
# Offline without the model it stores the segments and exits 69 with what to do.
run: $(BIN)/.installed
	$(BIN)/songngu run examples/news -o $(OUT) --model "$(MODEL)"

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
	$(BIN)/python benchmarks/export.py --pairs 200000
	$(BIN)/python benchmarks/translate.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
