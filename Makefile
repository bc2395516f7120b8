# Role Advisor — `make run` starts the terminal advisor, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXTRAS ?= dev,telegram,discord,postgresql

.PHONY: run test install dev bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The runtime install: the core only (no Telegram or Discord libraries).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --config-settings editable_mode=compat
	touch $@

# Everything the tests need: the core, the platform extras and the dev tools.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" --config-settings editable_mode=compat
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/role-advisor chat

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_ask.py
	$(BIN)/python benchmarks/bench_quiz.py
	$(BIN)/python benchmarks/bench_telegram.py

eval: $(VENV)/.installed
	$(BIN)/python -c "import json,sys; [print(json.loads(l)['q']) for l in open('tests/data/questions.public.jsonl')]" \
	  | $(BIN)/role-advisor ask --json > /tmp/role-advisor-answers.jsonl
	$(BIN)/python tests/grade.py /tmp/role-advisor-answers.jsonl --questions tests/data/questions.public.jsonl

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
