# Set-up and checks for a fresh machine. Everything runs in a project virtualenv (.venv).
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Notebooks under test write no run folders into the repo and never touch a model hub.
export HF_HUB_OFFLINE ?= 1

.PHONY: install test test-fast check-sources demo export readme

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	@# A CPU build of torch 2.13.0 first, where no torch is present: a bare `torch` can pull a multi-GB CUDA build.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,wandb,tensorboard]"

# README.md is written from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack).
readme:
	$(PY) .ci/readme.py

export: install
	nbdev_export && nbdev_clean && $(PY) .ci/readme.py

# The notebooks, the package and README.md must already agree: exporting, cleaning and writing the README change nothing.
check-sources: install
	@before="$$(git status --porcelain; git diff)"; nbdev_export && nbdev_clean && $(PY) .ci/readme.py; \
	after="$$(git status --porcelain; git diff)"; \
	if [ "$$before" != "$$after" ]; then echo "nbdev_export / nbdev_clean / the README changed files: run make export and commit:"; git status --short; exit 1; fi

# CI: every notebook runs (all but GPU cells), one at a time: parallel torch processes on 2 cores slow each other down.
test: check-sources
	nbdev_test --flags slow --n_workers 1 --timing
	@echo "notebooks: $$(ls nbs/*.ipynb | wc -l) passed, 0 failed"

# The quick cells only: no training, no slow checks.
test-fast: check-sources
	nbdev_test --n_workers 1 --timing

# The main job on the embedded default (tiny offline preset + demo set), with scored evals: a full run into outputs/<timestamp>/.
demo: install
	sarcasm-sft train -p eval_mode score
