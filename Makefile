# GEMS: `make run` serves the demo on SQLite, `make test` runs the suite (SQLite, then PostgreSQL when reachable).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
FLASK := $(BIN)/flask --app run

.PHONY: run test test-sqlite test-pg e2e lint mutation i18n i18n-check migrate-check bench bench-registry bench-review bench-plan bench-agreements clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PY) >/dev/null 2>&1 || { echo "need $(PY)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

app/translations/zh/LC_MESSAGES/messages.mo: app/translations/zh/LC_MESSAGES/messages.po app/translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations

run: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) gems bootstrap
	$(FLASK) gems demo
	@echo "GEMS: http://$(HOST):$(PORT)/  (admin / school / college_a / college_b, password in README)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	$(MAKE) test-sqlite
	$(MAKE) test-pg

test-sqlite: $(VENV)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider -p randomly tests

# Under CI=true an unreachable PostgreSQL fails the run; locally it is skipped with a message.
test-pg: $(VENV)/.installed
	@if $(BIN)/python -c "import psycopg2,sys; psycopg2.connect('$(PG_TEST_URL)').close()" 2>/dev/null; then \
		TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -p no:cacheprovider -p randomly tests --ignore=tests/e2e \
			--ignore=tests/validation --ignore=tests/excel; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL at $(PG_TEST_URL) is unreachable under CI"; exit 1; \
	else echo "SKIPPED PostgreSQL run: $(PG_TEST_URL) unreachable (CI=true makes this an error)"; fi

lint: $(VENV)/.installed
	$(BIN)/ruff check app tests scripts config.py run.py

# Re-extract, update both catalogs, fill them from app/translations/pending/*.json, compile; fails if anything is
# left untranslated (zh is the default language, en must be complete too).
i18n i18n-check: $(VENV)/.installed
	$(BIN)/python scripts/i18n_fill.py

e2e: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e

migrate-check: $(VENV)/.installed
	GEMS_INSTANCE_DIR=$$(mktemp -d) sh -c '$(FLASK) db upgrade && $(FLASK) db check'

# Not part of `make test`: every benchmark, each against a baseline measured in the same run (figures in README).
bench: bench-registry bench-review bench-plan bench-agreements

# A 100 000-row registry import against a raw openpyxl read (cached file in .bench-cache/).
bench-registry: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	$(BIN)/python -m tests.benchmarks.bench_registry_import $(BENCH_ROWS)
	$(BIN)/python -m tests.benchmarks.bench_readers $(BENCH_ROWS)

# Not part of `make test`: issue 4's scale figures (batch approve, 1M-row reviewer list, export, deadline rush);
# PostgreSQL at BENCH_PG_URL (default the test database); the 1M rows are kept in the database gems_bench.
bench-review: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	$(BIN)/python tests/benchmarks/bench_review_batch.py
	$(BIN)/python tests/benchmarks/bench_review_list.py
	$(BIN)/python tests/benchmarks/bench_review_export.py
	$(BIN)/python tests/benchmarks/bench_review_rush.py

# Not part of `make test`: issue 10's figures (statistics page vs the plain GROUP BY, national export vs raw openpyxl,
# proof-file zip memory); the destination list runs inside bench_review_list.py.
bench-plan: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	$(BIN)/python tests/benchmarks/bench_statistics.py
	$(BIN)/python tests/benchmarks/bench_national_export.py

# Not part of `make test`: issue 12's figures (batch archive of 5 000 agreements vs the bare SQL of the same writes,
# the agreement review list at 200 000 agreements vs its own statements run raw).
bench-agreements: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	$(BIN)/python tests/benchmarks/bench_agreement_archive.py
	$(BIN)/python tests/benchmarks/bench_agreement_list.py

clean:
	rm -rf $(VENV) instance

# Not part of `make test`: mutation testing of the modules that guard people's data (config: [tool.mutmut] in
# pyproject.toml; each mutant runs only against the selected tests that reach its function, in a fork of an app built
# once: tests/mutation/prebuilt.py). MUTANTS narrows the run, e.g. MUTANTS='app.scope*' or 'app.services.audit*'.
# Survivors are listed at the end; `mutmut show NAME` prints one.
MUTANTS ?=
mutation: $(VENV)/.installed app/translations/zh/LC_MESSAGES/messages.mo
	rm -rf mutants  # mutmut copies app/ once and never refreshes it: a stale copy tests old code
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/mutmut results
