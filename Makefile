# agreement-gen – the two commands a newcomer needs: `make build` and `make test`.
# Everything else (venv, package, LibreOffice and fonts) is installed on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
YEAR   ?=
YEAR_ARG := $(if $(YEAR),--year $(YEAR),)

.DEFAULT_GOAL := build
.PHONY: help build publish bench test check lint format clean system-deps

$(BIN)/python:
	@PYTHON=$(PYTHON) scripts/ensure-system-deps.sh
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the package definition changes (a second `make build` installs nothing).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Each target's `## ` text is what `make help` shows.
help: ## diese Liste
	@echo "make ZIEL – die Ziele (YEAR=JAHR wählt das Haushaltsjahr, sonst das neueste):"
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z-]+:[^#]*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "Die Befehle für jeden Schritt des Jahres: .venv/bin/agreement-gen --help; das Handbuch: docs/handbuch.md"

system-deps:
	@PYTHON=$(PYTHON) scripts/ensure-system-deps.sh

build: $(STAMP) system-deps ## alle Zielvereinbarungen des neuesten (oder YEAR=) Haushaltsjahres erzeugen
	$(BIN)/agreement-gen build $(YEAR_ARG)

publish: $(STAMP) ## das Veröffentlichungspaket der unterschriebenen Zielvereinbarungen (nach `make build`): build/JAHR/publish/
	$(BIN)/agreement-gen publish $(YEAR_ARG)

test: $(STAMP) system-deps ## erst mypy, dann die Tests (mit den LibreOffice- und Browser-Tests, markiert slow)
	@WITH_BROWSER=1 scripts/ensure-system-deps.sh
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(STAMP) system-deps ## Zeitmessung (naiv, LibreOffice allein, unser Build, im Großen); schreibt bench/results.json
	$(BIN)/python bench/run.py

check: $(STAMP) ## Daten und Vorlage prüfen, ohne etwas zu schreiben
	$(BIN)/agreement-gen check $(YEAR_ARG)

# For the editors of the template (docs/redaktion.md).
.PHONY: git-setup schema docs

git-setup: $(STAMP) ## einmal je Klon: `git diff` und `git log -p` zeigen den Text der Vorlage (siehe .gitattributes)
	git config diff.docx.textconv "'$(CURDIR)/$(BIN)/python' -m agreement_gen.editors.textconv"
	git config diff.docx.cachetextconv true
	@echo "git diff now shows .docx files as text"

schema: $(STAMP) ## schema/*.schema.json aus den Datenmodellen und die Schema-Zeile jeder Datendatei
	$(BIN)/agreement-gen schema

docs: $(STAMP) ## die Tabelle der Variablen und Filter der Vorlage in docs/redaktion.md
	$(BIN)/agreement-gen variables --update docs/redaktion.md

# For everyone who adds a user-facing text (see src/agreement_gen/i18n.py).
.PHONY: translations mutation

translations: $(STAMP) ## neue Texte in den Katalog ihres Bereichs (oder AREA=…), dann kompilieren
	$(BIN)/python -m agreement_gen.catalogs $(AREA)

mutation: $(STAMP) ## Mutationstest: AREA=validation (Datenprüfung) oder AREA=signatures (Signaturprüfung, receive/); Stunden auf zwei Kernen
	$(BIN)/python scripts/mutation.py $(AREA) $(NAMES)

lint: $(STAMP) ## ruff und mypy: Code und Typen prüfen (mypy liest seine Einstellungen aus pyproject.toml)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: $(STAMP) ## ruff: Code formatieren
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean: ## build/ und die Caches löschen (counties/ bleibt)
	rm -rf build .pytest_cache .ruff_cache .mypy_cache
