# newsbridge: the two commands the README promises.
#   make demo   set up (venv, torch==2.13.0 CPU, the project), build the tiny models,
#               run the sample article end to end offline
#   make test   run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARTICLE ?= ../shared/data/articles/mali-rebels-en.txt
OUT ?= out

.PHONY: setup demo test tiny

$(BIN)/newsbridge: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and exactly: an open range would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# ray: the Ray executor's tests run in CI (about 15 s and 250 MB more to install).
	$(BIN)/python -m pip install --quiet -e '.[dev,serve,ray]'
	touch $@

setup: $(BIN)/newsbridge

tiny: setup
	$(BIN)/newsbridge models build-tiny

demo: tiny
	$(BIN)/newsbridge run $(ARTICLE) --config configs/tiny.yaml --out $(OUT)
	@echo "see $(OUT)/"

test: setup
	$(BIN)/python -m pytest -q
