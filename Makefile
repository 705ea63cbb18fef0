# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOHOA_HOME ?= $(CURDIR)/sohoa-data
SAMPLES := $(SOHOA_HOME)/samples

.PHONY: demo test setup system-deps venv lint clean

demo: setup
	@test -d "$(SAMPLES)/scans" || $(BIN)/python scripts/make_samples.py "$(SAMPLES)" --preset demo --seed 1
	@$(BIN)/sohoa batch run "$(SAMPLES)/scans" --operator demo; status=$$?; \
	  echo; echo "Kết quả / Results:"; \
	  echo "  kho lưu trữ / warehouse : $(SOHOA_HOME)/warehouse/objects/owners/<owner>/<document code>/"; \
	  echo "  sổ / catalog            : $(SOHOA_HOME)/catalog.db   (sohoa show <document code>)"; \
	  echo "  cách ly / quarantine    : $(SOHOA_HOME)/quarantine/"; \
	  echo "  mẫu / samples           : $(SAMPLES)/scans (ground truth in $(SAMPLES)/truth)"; \
	  test $$status -le 1

test: setup
	$(BIN)/python -m pytest

setup: system-deps venv

system-deps:
	@scripts/install_system_deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
