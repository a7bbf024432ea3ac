# Development tasks.  `make demo` and `make test` each create .venv when missing.
VENV ?= .venv
PYTHON ?= $(shell tools/pick-python)
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: demo test test-compat lint bench docs notebooks check-wheel clean

demo: $(VENV)/.installed-plot
	$(VENV)/bin/vqkit demo

# on every core (pytest-xdist), one test file per worker at a time so that a
# file's shared fixtures (a Dask cluster) are made once; PYTEST_ARGS= runs serially
PYTEST_ARGS ?= -n auto --dist loadfile
test: $(VENV)/.installed-test
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The tests whose outcome depends on the Python, SciPy or PyTorch at hand: the
# drop-in against the installed SciPy, the seed tutorial, the Array API
# backends (torch where installed), the magnitude extremes, and an import of
# every module with its docstring examples.  CI runs them on the default
# python3 beside the full suite on the newest Python.
COMPAT_TESTS = tests/test_scipy_vq_oracle.py tests/test_scipy_vq_errors.py \
	tests/test_seed_tutorial.py tests/test_array_api.py tests/test_backend_contract.py \
	tests/test_device_loop.py tests/test_hostile_backends.py tests/test_extremes.py \
	tests/test_docstrings.py tests/test_import_cycles.py
test-compat: $(VENV)/.installed-test
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS) $(COMPAT_TESTS)

# ruff (lint and format) and mypy, configured in pyproject.toml
lint: $(VENV)/.installed-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed-bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(VENV)/bin/python -m benchmarks $(BENCH_ARGS)

# the documentation site, warnings as errors, into docs/_build/html (runs the
# gallery and the notebook); open docs/_build/html/index.html
docs: $(VENV)/.installed-docs
	$(VENV)/bin/python -m sphinx -b html -W --keep-going -q docs docs/_build/html

# the example notebooks, executed as tests
notebooks: $(VENV)/.installed-docs
	$(VENV)/bin/python -m pytest --nbmake -q -p no:cacheprovider docs/notebooks

# build the sdist and the wheel, install the wheel in a new virtual environment
# outside the checkout, run vqkit demo and import every module there
check-wheel: $(VENV)/.installed-dist
	tools/check-wheel $(VENV)/bin/python

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) -e '.[$*]'
	touch $@

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
	rm -rf docs/_build docs/api/generated docs/auto_examples docs/sg_execution_times.rst
