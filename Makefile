# GridMap: the two commands of the README.
#   make run    install what is missing, start the embedded PostGIS, load demo data once, serve the app
#   make test   the same set-up, then the whole test suite
# With DATABASE_URL set, the embedded cluster is skipped and that server is used.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := FLASK_APP=app:create_app $(VENV)/bin/flask
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
THREADS ?=
# Served on this machine only? Then the demo accounts may have the README's password.
LOOPBACK := $(filter 127.0.0.1 localhost ::1 [::1],$(HOST))
# The virtualenv's own installers; python -m venv brings old ones.
PIP_PINS := pip==26.3 setuptools==84.2.1

.PHONY: run test test-citus system-deps system-deps-test venv venv-dev db translations demo bench backup restore help

help:
	@echo "make run    - set up everything and serve GridMap on http://$(HOST):$(PORT)"
	@echo "make test   - set up everything and run the test suite"
	@echo "make test-citus - the intake, lookup, import, patrol, figures, publish, desk, loop, draft, city and"
	@echo "             district tests (CITUS_TESTS) on a"
	@echo "             three-node Citus cluster in instance/citus (skipped when Citus is not installed)"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make backup - dump the database to instance/backups/ (make restore FILE=... to restore)"

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed.
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check --upgrade $(PIP_PINS)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

translations: venv
	@$(VENV)/bin/pybabel -q compile -d app/translations

db: system-deps venv
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m app.pgcluster start >/dev/null; fi
	@$(FLASK) db upgrade

# The demo accounts get the README's password only when nobody else can reach the app;
# before serving beyond this machine, any account still having it gets a random one (printed once).
demo: db translations
	@$(FLASK) demo load --if-empty $(if $(LOOPBACK),--published-password)
	@$(if $(LOOPBACK),,$(FLASK) demo new-passwords)

run: demo
	@echo ""
	@echo "GridMap is starting on http://$(HOST):$(PORT)"
	@echo "  Home:            http://$(HOST):$(PORT)/"
	@echo "  Coverage map:    http://$(HOST):$(PORT)/maps/coverage"
	@echo "  Open issues map: http://$(HOST):$(PORT)/maps/issues"
	@echo "  Dispatch desk:   http://$(HOST):$(PORT)/dispatch   (event figures: /figures/events)"
	@echo "  Grid planning:   http://$(HOST):$(PORT)/plan"
	@echo "  Patrol map:      http://$(HOST):$(PORT)/maps/patrols   (KPIs: /patrols/kpi)"
	@echo "  Grid lookup:     http://$(HOST):$(PORT)/lookup"
	@echo "  Grid lookup API: http://$(HOST):$(PORT)/api/v1/lookup?lon=113.62&lat=34.75"
	@echo "  API description: http://$(HOST):$(PORT)/api/v1/openapi.json"
ifneq ($(LOOPBACK),)
	@echo "  Sign in as admin, planner, dispatcher, worker or viewer, or as city-dispatcher (市级调度员),"
	@echo "  zhongyuan-dispatcher or erqi-dispatcher (a district's); password gridmap-demo (demo data only;"
	@echo "  'flask demo accounts --published-password' makes them if an older demo load did not)"
else
	@echo "  Sign in with the demo accounts' random passwords, printed when they were made (demo data only)."
	@echo "  Serving beyond this machine: put a TLS proxy in front and read docs/deployment.md."
endif
	@echo "(Ctrl-C stops the app; the database keeps running in instance/ - 'python -m app.pgcluster stop')"
	@$(VENV)/bin/gunicorn -c gunicorn.conf.py --workers $(WORKERS) $(if $(THREADS),--threads $(THREADS)) --bind $(HOST):$(PORT) "app:create_app()"

test: system-deps system-deps-test venv-dev translations
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m app.pgcluster start >/dev/null; fi
	$(VENV)/bin/pytest

# The tests of the paths a city runs at scale, on a coordinator and two workers (app/citus_cluster.py),
# with the schema distributed by migration 0035. Skipped (exit 0) when Citus is not installed.
CITUS_TESTS ?= tests/citus tests/reports/test_intake_api.py tests/lookup/test_lookup_api.py \
	tests/reports/test_bulk_import.py tests/patrols/test_ingest_api.py tests/patrols/test_ingest_copy.py \
	tests/patrols/test_figures.py tests/figures/test_events_api.py tests/plan/test_publish_api.py \
	tests/dispatch/test_changes_api.py tests/dispatch/test_placement_api.py tests/events/test_api_loop.py \
	tests/events/test_api_escalation.py tests/addresses/test_import.py tests/plan/test_edits_api.py \
	tests/plan/test_level_import.py \
	tests/city tests/districts \
	tests/dispatch/test_desk_page.py tests/dispatch/test_preferences_api.py tests/events/test_api_reassign.py \
	tests/events/test_api_duplicates.py tests/events/test_api_import_12345.py tests/events/test_workflow.py \
	tests/events/test_api_categories.py tests/reports/test_idempotency.py tests/reports/test_media_contact.py \
	tests/reports/test_assign_one_rule.py tests/resident/test_resident_pages.py tests/worker/test_pages.py \
	tests/worker/test_photos_api.py tests/figures/test_events_flow.py tests/figures/test_events_page.py \
	tests/open311 tests/ogc/test_ogc_api.py tests/ogc/test_ogc_part2.py \
	tests/patrols/test_rollups.py tests/patrols/test_figures_api.py tests/patrols/test_sessions.py \
	tests/patrols/test_visits.py tests/patrols/test_pages.py tests/patrols/test_cli.py tests/patrols/test_hexagons.py \
	tests/patrols/test_opening_day.py tests/addresses/test_lookup_api.py tests/addresses/test_geocoding.py \
	tests/addresses/test_report_address.py tests/addresses/test_report_geocoding.py tests/home/test_home.py \
	tests/home/test_one_overdue_rule.py tests/home/test_today_card.py tests/jobs tests/grids/test_import_api.py \
	tests/grids/test_export_api.py tests/plan/test_drafts_api.py tests/plan/test_publish_staff.py \
	tests/plan/test_rebase_api.py tests/plan/test_guardrails_api.py tests/maps/test_pages.py \
	tests/maps/test_patrols_map.py tests/maps/test_patrols_hexagons.py \
	tests/ogc/test_gdal_client.py tests/ogc/test_owslib_client.py tests/events/test_api_concurrency.py \
	tests/figures/test_openapi_figures.py tests/dispatch/test_openapi_dispatch.py tests/addresses/test_lookup_page_html.py \
	tests/patrols/test_openapi_patrols.py tests/plan/test_files_api.py tests/plan/test_move_buildings_api.py \
	tests/plan/test_schedule_api.py tests/plan/test_validation_api.py tests/maps/test_lookup_page.py \
	tests/grids/test_dedicated_any_level.py tests/patrols/test_rollup_jobs.py tests/security/test_rate_limits_storage.py
test-citus: system-deps venv-dev translations
	@if ! $(PY) -m app.citus_cluster available >/dev/null 2>&1; then \
	  $(PY) -m app.citus_cluster available || true; \
	  echo "make test-citus: 跳过 skipped (Citus is not installed)"; exit 0; fi; \
	$(PY) -m app.citus_cluster start >/dev/null && \
	GRIDMAP_TEST_CITUS=1 GRIDMAP_CITUS_SHARD_COUNT=$${GRIDMAP_CITUS_SHARD_COUNT:-4} \
	  $(VENV)/bin/pytest -m "not browser" $(CITUS_TESTS)

bench: db venv-dev
	$(PY) bench/assign.py
	$(PY) bench/load.py
	$(PY) bench/patrols.py
	$(PY) bench/events.py
	$(PY) bench/geocode.py
	$(PY) bench/validate.py
	$(PY) bench/plan.py
	$(PY) bench/figures.py
	$(PY) bench/demo.py

# Backups (docs/backup.md): make backup [FILE=path]; make restore FILE=path [YES=1]
backup: system-deps venv translations
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m app.pgcluster start >/dev/null; fi
	@$(FLASK) backup create $(if $(FILE),--output "$(FILE)")

restore: system-deps venv translations
	@if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=instance/backups/gridmap-YYYYmmdd-HHMMSS.dump [YES=1]"; exit 2; fi
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m app.pgcluster start >/dev/null; fi
	@$(FLASK) backup restore "$(FILE)" $(if $(YES),--yes)
	@$(FLASK) db upgrade
