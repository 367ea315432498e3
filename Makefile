# Social Connect Explorer. `make run` starts the app on the demo data; `make test` runs every test.
VENV ?= .venv
PYTHON ?= python3  # the interpreter the venv is made from (Python 3.11)
PY := $(VENV)/bin/python
# Keep compiled modules (and pytest's rewritten tests) between runs, whatever the shell says: a machine that sets
# PYTHONDONTWRITEBYTECODE compiles every module again in every test process and subprocess.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test test-fast lint fix bench demo-data browser java clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .  # the `sce` command
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt requirements-engines.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py

# Debian's Chromium drives the browser tests (Playwright cannot download a browser here); Debian's nginx
# fronts the replica test.
browser:
	@{ command -v chromium >/dev/null 2>&1 && [ -x /usr/sbin/nginx ]; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji nginx >/dev/null; \
	  else \
	    echo "Browser tests need Debian's chromium and nginx: sudo apt-get install chromium nginx"; \
	  fi; }

# Spark's tests need Java 17; as root (CI), Debian's headless JRE is installed.
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "Spark's tests need Java 17: sudo apt-get install openjdk-17-jre-headless"; \
	  fi; }

# Everything: the unit, AppTest, Spark and scale tests on both cores, then the browser tests one at a time (each
# drives a real app and Chromium, which want the machine to themselves).
test: $(VENV)/.dev browser java
	$(PY) -m pytest -m "not browser" -n 2
	$(PY) -m pytest -m browser

# The quick loop while coding: unit and AppTest tests on both cores; no browser, no Spark, no scale runs.
test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not browser and not spark and not slow and not engine" -n 2 -q

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

fix: $(VENV)/.dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(VENV)/.dev
	$(PY) -m bench.bench --sizes 100000 1000000

demo-data: $(VENV)/.dev
	$(PY) -m lib.sources.demo --rows 20000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
