# Role Advisor — `make run` starts the terminal advisor, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXTRAS ?= dev,telegram,discord,postgresql

.PHONY: run test test-peers container-test install dev bench eval clean FORCE

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A strict editable install: the package in .venv links to these files (no import hook slowing
# every start); it is redone when a file is added or removed, which a link tree cannot see.
# Bytecode is compiled once here: with PYTHONDONTWRITEBYTECODE set, every start would recompile.
SOURCES = $(wildcard bot/*.py adapters/*.py knowledge/*.yaml knowledge/common/*.yaml knowledge/*.py)
EDITABLE = --config-settings editable_mode=strict

$(VENV)/.sources: FORCE | $(BIN)/python
	@echo "$(SOURCES)" | cmp -s - $@ || echo "$(SOURCES)" > $@

# The runtime install: the core only (no Telegram or Discord libraries).
$(VENV)/.installed: pyproject.toml $(VENV)/.sources | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(EDITABLE)
	$(BIN)/python -m compileall -q build >/dev/null
	touch $@

# Everything the tests need: the core, the platform extras and the dev tools.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.sources | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" $(EDITABLE)
	$(BIN)/python -m compileall -q build >/dev/null
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/role-advisor chat

# The tests start headless Chromium and PostgreSQL on 127.0.0.1: checked first (installed as root with
# apt-get, else one line saying what to install), so none of their tests is skipped or fails late.
test-peers:
	@sh tools/test-peers.sh

test: test-peers $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# The image and the compose stack for real (tests/container/stack.py): a Docker engine (the running
# one, else ../shared/tools/docker-standins.sh up … down), root, and the docker-compose command.
container-test: $(VENV)/.installed-dev
	$(BIN)/python tests/container/stack.py

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_ask.py
	$(BIN)/python benchmarks/bench_quiz.py
	$(BIN)/python benchmarks/bench_telegram.py
	$(BIN)/python benchmarks/bench_webhook_pg.py
	$(BIN)/python benchmarks/bench_reliability.py
	$(BIN)/python benchmarks/bench_taught.py

eval: $(VENV)/.installed
	$(BIN)/python -c "import json,sys; [print(json.loads(l)['q']) for l in open('tests/data/questions.public.jsonl')]" \
	  | $(BIN)/role-advisor ask --json > /tmp/role-advisor-answers.jsonl
	$(BIN)/python tests/grade.py /tmp/role-advisor-answers.jsonl --questions tests/data/questions.public.jsonl

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
