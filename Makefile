# Jifen — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JIFEN := $(BIN)/jifen
PG_URL ?= postgres://postgres@127.0.0.1:5432/jifen
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Only the folders a clone has: git keeps no empty folder (bench/ before its first file).
LINT_PATHS := $(wildcard src tests bench)

.PHONY: demo test install lint typecheck migrations-check test-sqlite test-pg messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make demo: migrate the SQLite database, load the demo data and serve http://127.0.0.1:8000
demo: install
	$(JIFEN) migrate --no-input
	$(JIFEN) seed demo
	JIFEN_DEBUG=1 $(JIFEN) serve --host 127.0.0.1 --port 8000

## make test: lint, types, migrations, then the suite on SQLite and on PostgreSQL
test: install lint typecheck migrations-check test-sqlite test-pg

lint:
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

# Whole packages, checked every module but their migrations (services and selectors are
# already in the wildcard above).
TYPED_PACKAGES := witness units projects party contests property_review
TYPED_MODULES := $(shell find $(addprefix src/jifen/,$(TYPED_PACKAGES)) -name '*.py' -not -path '*/migrations/*' -not -name services.py -not -name selectors.py 2>/dev/null)

typecheck:
	$(BIN)/mypy $(TYPED_MODULES) src/jifen/*/services.py src/jifen/*/selectors.py src/jifen/people/authz.py src/jifen/people/auth.py src/jifen/points/ledger.py src/jifen/points/settlement.py src/jifen/points/verify.py src/jifen/claims/photos.py src/jifen/claims/notices.py src/jifen/lib/notify.py src/jifen/lib/rawrows.py src/jifen/publicity/seal.py src/jifen/publicity/certificates.py src/jifen/publicity/selection.py src/jifen/publicity/pdf.py src/jifen/publicity/rankings.py src/jifen/shop/api.py src/jifen/api/bodies.py src/jifen/publicity/api.py src/jifen/lib/db/postgresql/base.py src/jifen/imports/__init__.py src/jifen/imports/api.py src/jifen/imports/apps.py src/jifen/imports/forms.py src/jifen/imports/models.py src/jifen/imports/reader.py src/jifen/imports/templates.py src/jifen/imports/urls.py src/jifen/imports/views.py src/jifen/inbox/__init__.py src/jifen/inbox/api.py src/jifen/inbox/apps.py src/jifen/inbox/pages.py src/jifen/inbox/urls.py src/jifen/notices/__init__.py src/jifen/notices/api.py src/jifen/notices/apps.py src/jifen/notices/models.py src/jifen/notices/urls.py src/jifen/notices/views.py src/jifen/ops/__init__.py src/jifen/ops/apps.py src/jifen/ops/management/commands/__init__.py src/jifen/ops/management/commands/bench.py src/jifen/ops/management/commands/tick.py src/jifen/ops/management/commands/verify.py src/jifen/ops/tick.py src/jifen/ops/verify.py src/jifen/requests/__init__.py src/jifen/requests/api.py src/jifen/requests/apps.py src/jifen/requests/exports.py src/jifen/requests/forms.py src/jifen/requests/forms_console.py src/jifen/requests/models.py src/jifen/requests/rules.py src/jifen/requests/stats.py src/jifen/requests/urls.py src/jifen/requests/views/*.py src/jifen/notices/texts.py src/jifen/lib/workdays.py src/jifen/lib/waiting.py src/jifen/lib/uploads.py src/jifen/lib/models.py src/jifen/incidents/__init__.py src/jifen/incidents/apps.py src/jifen/incidents/models.py src/jifen/incidents/exports.py src/jifen/incidents/forms.py src/jifen/incidents/forms_console.py src/jifen/incidents/rollup.py src/jifen/incidents/stats.py src/jifen/incidents/urls.py src/jifen/incidents/views/*.py src/jifen/claims/origins.py src/jifen/incidents/api.py src/jifen/incidents/open311.py src/jifen/incidents/open311_urls.py src/jifen/disclosure/__init__.py src/jifen/disclosure/apps.py src/jifen/disclosure/models.py src/jifen/disclosure/money.py src/jifen/disclosure/privacy.py src/jifen/disclosure/attachments.py src/jifen/disclosure/forms.py src/jifen/disclosure/api.py src/jifen/disclosure/exports.py src/jifen/disclosure/pdf.py src/jifen/disclosure/urls.py src/jifen/disclosure/views/*.py src/jifen/disclosure/templatetags/*.py src/jifen/demo/seed_disclosure.py src/jifen/deliberation/__init__.py src/jifen/deliberation/apps.py src/jifen/deliberation/models.py src/jifen/deliberation/api.py src/jifen/deliberation/forms.py src/jifen/deliberation/urls.py src/jifen/deliberation/views/*.py src/jifen/demo/seed_deliberation.py src/jifen/messages/__init__.py src/jifen/messages/apps.py src/jifen/messages/models.py src/jifen/messages/api.py src/jifen/messages/forms.py src/jifen/messages/urls.py src/jifen/messages/views/*.py src/jifen/demo/seed_messages.py src/jifen/inspection/__init__.py src/jifen/inspection/api.py src/jifen/inspection/apps.py src/jifen/inspection/exports.py src/jifen/inspection/figures.py src/jifen/inspection/forms.py src/jifen/inspection/links.py src/jifen/inspection/rollup.py src/jifen/inspection/urls.py src/jifen/inspection/views.py src/jifen/bench/inspection.py

migrations-check:
	JIFEN_DATA_DIR=$$(mktemp -d) $(JIFEN) makemigrations --check --dry-run

test-sqlite:
	$(BIN)/pytest -q

# pgcheck exits 0 when PostgreSQL answers, 1 to skip (it says so), 2 when it is required.
test-pg:
	@$(BIN)/python -m jifen.lib.pgcheck "$(PG_URL)"; status=$$?; \
	if [ $$status -eq 0 ]; then JIFEN_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -p no:cacheprovider; \
	elif [ $$status -ne 1 ]; then exit $$status; fi

messages:
	cd src/jifen && export JIFEN_DATA_DIR=$(CURDIR)/var && ../../$(JIFEN) makemessages -l zh_Hans -l en --no-obsolete && ../../$(JIFEN) compilemessages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
