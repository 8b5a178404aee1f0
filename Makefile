PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_WORKSPACE := var/demo/workspace.sqlite
DEMO_LEADS ?= 20000
DEMO_USER ?=

.PHONY: run run-offline server test lint format bench demo setup clean-demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m app.demo --workspace $(DEMO_WORKSPACE) --leads $(DEMO_LEADS) --if-missing

# The embedded server on loopback with the demo data, and a client that syncs with it.
# Sign-in is pre-filled with the last account of this workstation (expert1 at first);
# DEMO_USER=sales1 make run pre-fills the sales rep instead.
run: $(STAMP)
	$(PY) -m server.demo --leads $(DEMO_LEADS) $(if $(DEMO_USER),--user $(DEMO_USER))

# The central server alone (demo data), for several clients: python -m ui --server URL
server: $(STAMP)
	$(PY) -m server.demo --leads $(DEMO_LEADS) --server-only

# The desktop client alone on a local demo workspace, without a server.
run-offline: demo
	$(PY) -m demo_client --workspace $(DEMO_WORKSPACE) --demo-user expert1 --demo-clock

# Two pytest-xdist workers, each on databases of its own (tests/databases.py); TEST_WORKERS=0
# runs in one process. Targeted runs (pytest tests/x.py) stay in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -n $(TEST_WORKERS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.bench.run

clean-demo:
	rm -rf var/demo
