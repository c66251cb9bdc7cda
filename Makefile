# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: setup run test test-fast lint bench dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) main.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: lint
	QT_QPA_PLATFORM=offscreen LITELLM_LOCAL_MODEL_COST_MAP=True $(VENV)/bin/pytest -q

# The suite without the tests marked slow (the long soak run): for a quick check while working.
test-fast: setup
	QT_QPA_PLATFORM=offscreen LITELLM_LOCAL_MODEL_COST_MAP=True $(VENV)/bin/pytest -q -m "not slow"

bench: setup
	QT_QPA_PLATFORM=offscreen LITELLM_LOCAL_MODEL_COST_MAP=True $(PY) -m bench

# The one-folder desktop app, dist/aidf/ (run dist/aidf/aidf), built with PyInstaller from
# packaging/aidf.spec. The build reads litellm's bundled price map, never the internet's.
dist: setup
	LITELLM_LOCAL_MODEL_COST_MAP=True $(VENV)/bin/pyinstaller --noconfirm --clean \
		--distpath dist --workpath build/pyinstaller packaging/aidf.spec

clean:
	rm -rf $(VENV) build dist *.egg-info
