# The developer interface. `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell md5sum pyproject.toml | cut -c1-8)

.PHONY: install system data demo test test-fast test-long fuzz reliability reliability-doc compile bench bench-swing lint images clean

IMAGE      ?= $(or $(PAPERLINE_IMAGE),paperline/paperline-cpu:0.1.0)
CUDA_IMAGE ?= $(or $(PAPERLINE_CUDA_IMAGE),paperline/paperline-cuda:0.1.0)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps opencv-contrib-python-headless==5.0.0.93 vot-toolkit==0.9.0 attributee==0.1.9
	rm -f $(VENV)/.installed-*; touch $(STAMP)

## checkov (the Pod Security test's policy tool) in its own environment, its many pinned dependencies kept apart
TOOLS   = .venv-tools
CHECKOV = $(TOOLS)/.checkov-3.3.30
$(CHECKOV):
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q checkov==3.3.30
	touch $(CHECKOV)

install: $(STAMP) $(CHECKOV)

## Debian packages the suite uses (PostgreSQL, Java 17, Chromium), installed when missing (make test runs it, so CI does)
system:
	@.ci/system-packages

## build the embedded datasets through DVC (params.yaml -> dvc.yaml stages) and push to the local remote;
## STAGES=... builds only those (default: every stage, the weak-asr videos included: about 7 min of it)
STAGES ?=
DEMO_STAGES = face_data face_pose_data parsing_data ucr_data interactions_data
data: install
	PATH=$(BIN):$$PATH $(BIN)/dvc repro $(STAGES)
	PATH=$(BIN):$$PATH $(BIN)/dvc push -q

## the main job: the mv-softmax pipeline on the embedded default through kfp.local (the image sets, UCR
## and the click log are rendered first; the videos only when a weak-asr run or `make data` asks)
demo: install
	$(MAKE) --no-print-directory data STAGES="$(DEMO_STAGES)"
	PATH=$(BIN):$$PATH $(BIN)/paperline run mv-softmax

## the whole suite (unit, component, kfp.local end-to-end, bad input), on two workers; a file's tests stay on
## one worker, so its module fixtures (servers, generated datasets) are built once
PYTEST_WORKERS ?= 2
test: install system
	PATH=$(BIN):$$PATH $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

## the whole suite with the long runs: pipeline variants (torchrun launcher, a Search-Softmax round, Swing on
## Spark) and the reliability runs
test-long: install system
	PAPERLINE_LONG_RELIABILITY=1 PATH=$(BIN):$$PATH $(BIN)/python -m pytest -q

test-fast: install system
	PATH=$(BIN):$$PATH $(BIN)/python -m pytest -q -m "not e2e"

## the long property-based search of every reader (2,000 examples each; FUZZ_EXAMPLES=N for more)
FUZZ_EXAMPLES ?= 2000
fuzz: install
	PAPERLINE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PATH=$(BIN):$$PATH $(BIN)/python -m pytest -q -m fuzz tests/reliability/test_fuzz.py

## the long reliability runs: every family killed and rerun, four papers at once on one MLflow server,
## the server restarted mid-run, S3 refusing a pipeline's writes (docs/reliability.md)
reliability: install system
	PAPERLINE_LONG_RELIABILITY=1 PATH=$(BIN):$$PATH $(BIN)/python -m pytest -q tests/reliability

## rewrite the bad-input table of docs/reliability.md from tests/reliability/catalogue.py
reliability-doc: install system
	PATH=$(BIN):$$PATH $(BIN)/python -m tests.reliability.catalogue

compile: install
	$(BIN)/paperline compile --all -o compiled

bench: install
	PATH=$(BIN):$$PATH $(BIN)/python benchmarks/renderer_speed.py
	PATH=$(BIN):$$PATH $(BIN)/python benchmarks/face_baselines.py

## Swing build time, numba vs PySpark local[2], 1e5-1e7 clicks (about 12 min), then index lookups
bench-swing: install
	PATH=$(BIN):$$PATH $(BIN)/python benchmarks/swing.py
	PATH=$(BIN):$$PATH $(BIN)/python benchmarks/swing.py --lookups

lint: install
	$(BIN)/ruff check src components pipelines tests benchmarks

## build the CPU and CUDA images where a container engine runs (hadolint checks them in make test)
images:
	@if docker info >/dev/null 2>&1; then \
	  docker build -f images/cpu/Dockerfile -t $(IMAGE) . && docker build -f images/cuda/Dockerfile -t $(CUDA_IMAGE) . ; \
	else echo "no container engine here (docker info failed): images not built"; fi

clean:
	rm -rf .paperline compiled .pytest_cache
