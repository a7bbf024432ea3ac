# Development tasks.  `make demo` and `make test` each create .venv when missing.
VENV ?= .venv
PYTHON ?= $(shell tools/pick-python)
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: demo test lint bench clean

demo: $(VENV)/.installed-plot
	$(VENV)/bin/vqkit demo

test: $(VENV)/.installed-test
	$(VENV)/bin/python -m pytest

# ruff (lint and format) and mypy, configured in pyproject.toml
lint: $(VENV)/.installed-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed-bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(VENV)/bin/python -m benchmarks $(BENCH_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) -e '.[$*]'
	touch $@

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
