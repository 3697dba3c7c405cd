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
# tests/test_browser.py drives Debian's Chromium at this path (Playwright never downloads one).
CHROMIUM := /usr/bin/chromium

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

unit: $(BIN)/.installed $(CHROMIUM)
	$(BIN)/pytest -q

# Checked first, so a missing browser stops `make test` before minutes of lint and mypy.
test: $(CHROMIUM) lint typecheck unit

# The browser tests are part of the suite: as root (CI, containers) Chromium is installed with
# apt; otherwise the run stops with the one command that installs it (no silent skip).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for tests/test_browser.py (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@test -x $@ || { echo "make test needs Debian's chromium at $@ for tests/test_browser.py: run \`sudo apt-get install chromium\` and then \`make test\` again" >&2; exit 1; }

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/segmentation.py
	$(BIN)/python benchmarks/export.py --pairs 200000
	$(BIN)/python benchmarks/translate.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
