VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup run test lint fix bench demo-data

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt

run: $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m streamlit run app.py

test: setup
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fix: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: setup
	$(PY) -m bench.bench --sizes 100000 1000000

demo-data: setup
	$(PY) -m lib.demo --rows 20000
