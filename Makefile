# Two commands a newcomer needs: `make synth` and `make test` (each takes CDK=cdktn for the CDK
# Terrain core). `make bench` measures; `make docs` builds the API reference. Every other target is a
# step of those.
# Each install step leaves a stamp and re-runs only when its pinned inputs change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3

# The CDK core: cdktf (default) or cdktn (CDK Terrain). Each has its own virtualenv; the cdktn one
# holds cdktf too, so that the test of a core mismatch can run there.
CDK ?= cdktf
ifeq ($(CDK),cdktf)
VENV := .venv
RUNTIME_REQUIREMENTS := requirements.txt
else ifeq ($(CDK),cdktn)
VENV := .venv-cdktn
RUNTIME_REQUIREMENTS := requirements-cdktn.txt requirements.txt
else
$(error CDK must be cdktf or cdktn, not '$(CDK)')
endif
CLI := $(CDK)
export PLATFORM_STORAGE_CDK := $(CDK)
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
AWSCLI_VENV := .venv-awscli
NODE22_VERSION := 22.23.3
NODE22_DIR := $(CURDIR)/.tools/node22

# jsii prints an end-of-life box on every run under Node < 22, and the cdktn CLI needs Node
# >= 22.19: provision Node 22 for the project where the machine's Node is older.
SYSTEM_NODE_OK := $(shell node -e 'const [a, b] = process.versions.node.split(".").map(Number); console.log(a > 22 || (a === 22 && b >= 19) ? "yes" : "no")' 2>/dev/null || echo no)
ifeq ($(SYSTEM_NODE_OK),no)
NODE_BIN_DIR := $(NODE22_DIR)/node_modules/node/bin
NODE_STAMP := $(NODE22_DIR)/.installed
else
NODE_BIN_DIR := $(dir $(shell command -v node))
NODE_STAMP :=
endif

export PATH := $(NODE_BIN_DIR):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_NODE := $(NODE_BIN_DIR)/node
export CHECKPOINT_DISABLE := 1
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1
export TF_CLI_CONFIG_FILE := $(CURDIR)/.terraformrc
export CHECKOV_BIN := $(CURDIR)/$(CHECKOV_VENV)/bin/checkov
PIP_QUIET := --quiet --disable-pip-version-check --no-input

.PHONY: synth test bench rclone lint typecheck unit package docs setup setup-dev clean

synth: setup
	$(CLI) synth
	@echo "Wrote:" && find "$${CDKTF_OUTDIR:-cdktf.out}/stacks" "$${CDKTF_OUTDIR:-cdktf.out}/rendered" -type f \
		\( -name cdk.tf.json -o -path '*/rendered/*' \) | sort

test: setup-dev
	$(MAKE) --no-print-directory lint typecheck unit package

bench: setup-dev $(AWSCLI_VENV)/.installed rclone
	$(PY) bench/run.py $(BENCH_ARGS)

# The peers of `migrate` in the day-two benchmark: rclone from Debian, the AWS CLI from PyPI.
rclone:
	@command -v rclone > /dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get install -y -q rclone || { apt-get update -q && apt-get install -y -q rclone; }; \
		else echo "rclone is not installed (sudo apt-get install rclone); make bench skips it"; fi; }

$(AWSCLI_VENV)/.installed: requirements-awscli.txt
	$(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-awscli.txt 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck:
	$(PY) -m mypy

unit:
	$(PY) -m pytest

# The wheel and sdist a release would publish, checked as PyPI checks them.
package: setup-dev
	rm -rf build dist  # setuptools would reuse a stale build/ and ship deleted modules
	$(PY) -m build --no-isolation --outdir dist . > /dev/null
	$(PY) -m twine check --strict dist/*

# HTML reference of the public API (the constructs and the stacks), from the docstrings.
DOCS_DIR ?= docs/api
docs: setup-dev
	PDOC_ALLOW_EXEC=1 $(PY) -m pdoc --docformat markdown --output-directory $(DOCS_DIR) \
		platform_storage.constructs platform_storage.stacks \
		'!platform_storage.constructs.' '!platform_storage.stacks.'

setup: $(VENV)/.runtime node_modules/.installed $(NODE_STAMP)
setup-dev: setup $(VENV)/.dev $(CHECKOV_VENV)/.installed

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(RUNTIME_REQUIREMENTS) pyproject.toml | $(PY)
	$(PY) -m pip install $(PIP_QUIET) $(addprefix -r ,$(RUNTIME_REQUIREMENTS)) 2> >(grep -v "is ignored: it is neither" >&2)
	$(PY) -m pip install $(PIP_QUIET) --no-deps -e . 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install $(PIP_QUIET) -r requirements-dev.txt 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements-checkov.txt 2> >(grep -v "is ignored: it is neither" >&2)
	touch $@

node_modules/.installed: package.json package-lock.json $(NODE_STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(NODE22_DIR)/.installed:
	mkdir -p $(NODE22_DIR)
	npm install --prefix $(NODE22_DIR) --no-audit --no-fund --no-save --loglevel=error node@$(NODE22_VERSION)
	$(NODE22_DIR)/node_modules/node/bin/node --version
	touch $@

clean:
	rm -rf cdktf.out .pytest_cache .mypy_cache .ruff_cache build dist docs/api
