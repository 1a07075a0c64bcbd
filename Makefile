# Set-up and checks for a fresh machine. Everything runs in a project virtualenv (.venv).
VENV ?= .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Notebooks under test write no run folders into the repo and never touch a model hub.
export HF_HUB_OFFLINE ?= 1

.PHONY: install test demo export clean-run-folders

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	@# A CPU build of torch 2.13.0 first, where no torch is present: a bare `torch` can pull a multi-GB CUDA build.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,wandb,tensorboard]"

export: install
	nbdev_export && nbdev_clean

# CI: the notebooks and the package must already agree, then every notebook runs (all but GPU cells).
test: install
	@before="$$(git status --porcelain; git diff)"; nbdev_export && nbdev_clean; \
	after="$$(git status --porcelain; git diff)"; \
	if [ "$$before" != "$$after" ]; then echo "nbdev_export / nbdev_clean changed files: run them and commit:"; git status --short; exit 1; fi
	@# one notebook at a time: parallel torch processes on 2 cores slow each other down several times over
	nbdev_test --flags slow --n_workers 1 --timing
	@echo "notebooks: $$(ls nbs/*.ipynb | wc -l) passed, 0 failed"

# The main job on the embedded default (tiny offline preset + demo set): a full run into outputs/<timestamp>/.
demo: install
	sarcasm-sft train
