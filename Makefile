# sagemaker-byoc: one job.yaml -> Dockerfile, train, build_and_push.sh, create_training_job.json.
# Every target runs the compiler from the virtualenv in .venv/, made on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
JOB    ?=
OUT    ?=
EXAMPLES := $(sort $(wildcard examples/*/job.yaml))

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# The runtime virtualenv: remade when requirements.txt changes.
$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "error: Python 3.11 or newer is needed (PYTHON=$(PYTHON))" >&2; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

# The test virtualenv: the runtime one plus test and lint tools.
$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

.PHONY: venv
venv: $(VENV)/.dev ## Create .venv with every dependency

.PHONY: compile
compile: $(VENV)/.runtime ## Render a job: make compile JOB=path/job.yaml [OUT=dir]
	@test -n "$(JOB)" || { echo "usage: make compile JOB=path/to/job.yaml [OUT=dir]" >&2; exit 2; }
	$(PY) -m sagemaker_byoc compile "$(JOB)" $(if $(OUT),-o "$(OUT)")

.PHONY: validate
validate: $(VENV)/.runtime ## Validate a job without writing: make validate JOB=path/job.yaml
	@test -n "$(JOB)" || { echo "usage: make validate JOB=path/to/job.yaml" >&2; exit 2; }
	$(PY) -m sagemaker_byoc validate "$(JOB)"

.PHONY: run-local
# HPS is read from the recipe's environment (make exports command-line variables), so quotes
# inside it reach the option intact.
run-local: $(VENV)/.runtime ## Run a job here as SageMaker would: make run-local JOB=path/job.yaml [HPS='k=v …'] [WORKDIR=dir]
	@test -n "$(JOB)" || { echo "usage: make run-local JOB=path/to/job.yaml [HPS='k=v …'] [WORKDIR=dir]" >&2; exit 2; }
	$(PY) -m sagemaker_byoc run-local "$(JOB)" --hps "$$HPS" $(if $(WORKDIR),--workdir "$(WORKDIR)")

.PHONY: submit
submit: $(VENV)/.runtime ## Start a job on SageMaker: make submit JOB=path/job.yaml [WAIT=1] [DRY_RUN=1] [ALLOW_STALE=1]
	@test -n "$(JOB)" || { echo "usage: make submit JOB=path/to/job.yaml [WAIT=1] [DRY_RUN=1]" >&2; exit 2; }
	@$(PY) -m sagemaker_byoc submit "$(JOB)" $(if $(WAIT),--wait) $(if $(DRY_RUN),--dry-run) $(if $(ALLOW_STALE),--allow-stale)

.PHONY: tune
tune: $(VENV)/.runtime ## Start a job's tuning job on SageMaker: make tune JOB=path/job.yaml [WAIT=1] [DRY_RUN=1] [ALLOW_STALE=1]
	@test -n "$(JOB)" || { echo "usage: make tune JOB=path/to/job.yaml [WAIT=1] [DRY_RUN=1]" >&2; exit 2; }
	@$(PY) -m sagemaker_byoc submit --tune "$(JOB)" $(if $(WAIT),--wait) $(if $(DRY_RUN),--dry-run) $(if $(ALLOW_STALE),--allow-stale)

.PHONY: check
check: $(VENV)/.runtime ## Fail if committed generated/ differs from a fresh render: make check [JOB=path/job.yaml] (default: every example)
	@rc=0; for job in $(or $(JOB),$(EXAMPLES)); do $(PY) -m sagemaker_byoc check "$$job" $(if $(OUT),-o "$(OUT)") || rc=1; done; exit $$rc

.PHONY: regen
regen: $(VENV)/.runtime ## Re-render every example's generated/ (golden records)
	@for job in $(EXAMPLES); do $(PY) -m sagemaker_byoc compile "$$job" || exit 2; done

# The import package laid out as pip installs it, for import-linter (pyproject.toml's contracts).
PACKAGES  := text aws spec compiler local submit cli
LINT_TREE := build/lint

.PHONY: lint
lint: $(VENV)/.dev ## Check the import layers and that no imports form a cycle (import-linter; ARCHITECTURE.md)
	@rm -rf $(LINT_TREE) && mkdir -p $(LINT_TREE)/sagemaker_byoc
	@cp sagemaker_byoc/*.py $(LINT_TREE)/sagemaker_byoc/ && cp -R $(PACKAGES) $(LINT_TREE)/sagemaker_byoc/
	cd $(LINT_TREE) && PYTHONPATH=. $(CURDIR)/$(VENV)/bin/lint-imports --no-cache $(CURDIR)/pyproject.toml

.PHONY: test
test: $(VENV)/.dev oracle sdk lint check ## Run every test (needs the tools .ci/run installs; missing ones skip)
	$(PY) -m pytest -n auto tests

.PHONY: bench
bench: $(VENV)/.runtime oracle ## Benchmark: compile and --help against a bare interpreter, train against the toolkit, with the goals
	$(PY) -m tests.bench.headline

.PHONY: bench-compile
bench-compile: $(VENV)/.runtime ## Benchmark: compile one example, 100 jobs in one invocation, refuse an alias bomb
	$(PY) -m tests.bench.compile

.PHONY: contract
contract: $(VENV)/.runtime ## Rewrite the shim's copy of the contract (init_contract in shim/train) from spec/contract.py
	$(PY) -m sagemaker_byoc.compiler.shim_contract

.PHONY: constraints
constraints: $(VENV)/.dev ## Regenerate schemas/*.constraints.json from the installed botocore and awscli models
	$(PY) -m sagemaker_byoc.aws.service_model

# The shim's test oracle: AWS's sagemaker-training toolkit in a virtualenv of its own, never a
# dependency of the project (building it needs gcc for its C extension).
ORACLE := .oracle

$(ORACLE)/.installed:
	@test -x $(ORACLE)/bin/python || $(PYTHON) -m venv $(ORACLE)
	$(ORACLE)/bin/python -m pip install -q --disable-pip-version-check sagemaker-training==5.1.4
	@touch $@

.PHONY: oracle
oracle: $(ORACLE)/.installed ## Install the toolkit into .oracle/ (the shim tests' oracle)

# hyperparameter_encoding's oracle (tests/sdk): the SageMaker Python SDK v2 (Estimator, PyTorch)
# and v3's ModelTrainer (sagemaker-train and sagemaker-core, the training half of sagemaker
# 3.27.0), each in a virtualenv of its own, as both are the import name `sagemaker`; never a
# dependency of the project. The tests capture their requests offline.
SDK_V2 := .sdk-v2
SDK_V3 := .sdk-v3
SDK_V2_PINS := sagemaker==2.257.7
SDK_V3_PINS := sagemaker-train==1.27.0 sagemaker-core==2.27.0

$(SDK_V2)/.installed:
	@test -x $(SDK_V2)/bin/python || $(PYTHON) -m venv $(SDK_V2)
	$(SDK_V2)/bin/python -m pip install -q --disable-pip-version-check $(SDK_V2_PINS)
	@touch $@

$(SDK_V3)/.installed:
	@test -x $(SDK_V3)/bin/python || $(PYTHON) -m venv $(SDK_V3)
	$(SDK_V3)/bin/python -m pip install -q --disable-pip-version-check $(SDK_V3_PINS)
	@touch $@

.PHONY: sdk
sdk: $(SDK_V2)/.installed $(SDK_V3)/.installed ## Install the SageMaker SDK v2 into .sdk-v2/ and v3's ModelTrainer into .sdk-v3/ (tests/sdk's oracle)

# CPU TensorFlow for the tf-mnist example's local run, in a virtualenv of its own (1.3 GB): the
# test puts .tf/bin first on PATH, so that the job's python3 imports it. .ci/run installs it.
TF := .tf

$(TF)/.installed:
	@test -x $(TF)/bin/python || $(PYTHON) -m venv $(TF)
	$(TF)/bin/python -m pip install -q --disable-pip-version-check tensorflow-cpu==2.17.1
	@touch $@

.PHONY: tf
tf: $(TF)/.installed ## Install CPU TensorFlow into .tf/ (the tf-mnist example's local run in the tests)

.PHONY: bench-shim
bench-shim: $(VENV)/.runtime oracle ## Benchmark: the toolkit's train vs shim/train (realistic job, API maxima, 2-host torchrun launch)
	$(PY) -m tests.bench.shim

.PHONY: bench-run-local
bench-run-local: $(VENV)/.runtime oracle ## Benchmark: make run-local on examples/basic, and the shim vs the toolkit on its run dir
	$(PY) -m tests.bench.run_local

.PHONY: bench-image
bench-image: $(VENV)/.runtime ## Benchmark: the image's size, the shim's layer vs the toolkit's, rebuild and train start-up (buildah)
	$(PY) -m tests.bench.image

.PHONY: bench-constraints
bench-constraints: $(VENV)/.dev ## Benchmark: load the derived constraints file vs botocore's full SageMaker model
	$(PY) -m tests.bench.constraints

.PHONY: mutants
mutants: $(VENV)/.dev oracle ## Mutation report: kill rate per module and survivors [ARGS='--sample N --budget S MODULE…']
	$(PY) -m tests.mutants $(ARGS)

.PHONY: clean
clean: ## Remove the virtualenvs and caches
	rm -rf $(VENV) .oracle .sdk-v2 .sdk-v3 .tf .pytest_cache .hypothesis
