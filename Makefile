# lagesbild — set up and run. Needs only python3 (3.11+), pip and make.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BYTECODE := $(VENV)/.bytecode
# compileall writes .pyc files whatever PYTHONDONTWRITEBYTECODE says; unset it anyway so that
# nothing else in these recipes depends on it. Tests directories of packages are never imported.
COMPILE := env -u PYTHONDONTWRITEBYTECODE $(PY) -m compileall -q -j 0 -x '/tests?/'

.PHONY: install demo run repro test bench clean

# Bytecode is compiled once here: the environment may set PYTHONDONTWRITEBYTECODE, and then every
# lagesbild process and notebook kernel would compile its imports from source again (~10 s a run).
# The project's own modules are recompiled on every install (only files that changed).
install: $(BYTECODE)
	@$(COMPILE) pipeline

# uv resolves nothing here: it installs exactly the pinned lock file, only faster than pip.
$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(PY) -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

$(BYTECODE): $(STAMP)
	$(COMPILE) $(VENV)/lib
	touch $@

demo: install
	$(BIN)/lagesbild demo-data
	$(BIN)/lagesbild run

run: install
	$(BIN)/lagesbild run

# the same pipeline through DVC: reruns only the stages whose code, data or params changed.
# A fresh clone has no exports in data/raw yet: then the demo kommun is written first.
repro: install
	@ls data/raw | grep -q . || $(BIN)/lagesbild demo-data
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/dvc repro

# The public web page is tested in Debian's Chromium (tests/integration/test_public_page.py): installed
# here when missing, as CI starts from a clean machine (needs root and Debian's package sources).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	-apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null

test: install $(CHROMIUM)
	$(BIN)/pytest -q

bench: install
	$(BIN)/uv pip install --quiet --python $(PY) -r requirements-bench.lock
	$(COMPILE) $(VENV)/lib
	$(PY) benchmarks/run_all.py

clean:
	rm -rf data/processed/* reports/*.pdf reports/*.html reports/*.xlsx reports/*.gpkg
