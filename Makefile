# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# numba's on-disk cache (.cache/numba/<source hash>, chosen by engine/__init__.py) and
# matplotlib's font cache live inside the checkout (git-ignored).
export MPLCONFIGDIR    := $(CURDIR)/.cache/matplotlib
export PYTHONWARNINGS  := ignore::DeprecationWarning
# setuptools' "Editable installation" notice is a warning box printed through pip; filtered by
# its message (checked with pip 26.3 and the build's setuptools >= 77; the install is unchanged).
PIP_WARNINGS := $(PYTHONWARNINGS),ignore:Editable installation
# pip installs without byte-compiling (--no-compile): compiling every installed module took 50 of
# the install's 84 s; Python compiles the modules a process imports on first import instead (about
# 15 s, once) and writes them next to the sources, so byte-code writing is kept on for every
# command make starts.
unexport PYTHONDONTWRITEBYTECODE
PYTEST_ARGS ?= -n 2 --durations=20

.PHONY: demo test venv venv-dev bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	PYTHONWARNINGS="$(PIP_WARNINGS)" $(PY) -m pip install -q --no-compile -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	PYTHONWARNINGS="$(PIP_WARNINGS)" $(PY) -m pip install -q --no-compile -e '.[dev,dist]'
	@touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

demo: venv
	$(PY) scripts/rowing_boat.py
	@echo "Next: source $(VENV)/bin/activate  (puts rowboat on the PATH; or type $(VENV)/bin/rowboat)"

test: venv-dev
	$(PY) scripts/warm_kernels.py
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv-dev
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis
