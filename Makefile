# Every target creates .venv and installs the project into it when needed, so
# that `make bench` and `make test` work on a fresh clone with only Python 3.11.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: bench test test-long check bench-pytest clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# `make bench` measures the machine's ceilings once (vecbench roofline, kept in
# results/ceilings.json), then the kernels (vecbench run), then writes the
# report, whose path it prints. Extra run options: make bench RUN_ARGS="--quick --kernels dot".
# A run that failed the gate (1) or was interrupted (130) still saved its
# records, so the report is written before that status is passed on; a usage
# error (2) saved nothing.
RUN_ARGS ?=
bench: $(STAMP)
	@$(BIN)/vecbench roofline --if-missing >/dev/null || exit $$?
	@$(BIN)/vecbench run $(RUN_ARGS); status=$$?; \
	if [ $$status -eq 2 ]; then exit 2; fi; \
	$(BIN)/vecbench report || exit $$?; \
	exit $$status

test: $(STAMP)
	$(BIN)/python -m pytest

# also the tests that train for minutes (the course's deep network on its files)
test-long: $(STAMP)
	VECBENCH_LONG_TESTS=1 $(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/vecbench check

# The pytest-benchmark suite timed for real (`make test` runs the same bodies
# once, untimed), saved under results/pytest-benchmark. To compare with the
# previous save and fail on a regression:
#   make bench-pytest BENCH_ARGS="--benchmark-compare --benchmark-compare-fail=median:10%"
# pytest-benchmark reports "nothing to compare with" and "other machine" as
# warnings; shown, they must not turn into errors (filterwarnings = error).
bench-pytest: $(STAMP)
	$(BIN)/python -m pytest tests/test_benchmarks.py --benchmark-enable \
		--benchmark-storage=results/pytest-benchmark --benchmark-autosave \
		-W "default::pytest_benchmark.logger.PytestBenchmarkWarning" $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
