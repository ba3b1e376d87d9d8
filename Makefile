# Two commands do all the set-up: `make demo` (the whole job on the embedded default, offline demo site)
# and `make test` (the test suite; .ci/run calls it). Both install what they need into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean redis-server browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m reports.fonts  # cut the report PDF's CJK font (Regular, Bold) from the pip-installed Noto Sans SC, once
	touch $(STAMP)

install: $(STAMP) redis-server browser

# The fleet's tests start a real redis-server on 127.0.0.1 (Debian's; PyPI's redis-server wheel is 6.0,
# without XAUTOCLAIM). Installed once, quietly; needs root or an existing redis-server.
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }

# The web console's browser tests drive Debian's headless Chromium through its chromedriver; the CJK font
# renders the pages' Chinese in the screenshots. Installed once, quietly; needs root or existing packages.
browser:
	@{ command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list | grep -qi 'Noto Sans CJK'; } || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		chromium chromium-driver fonts-noto-cjk >/dev/null; }

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/riskwatch demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) redis-server browser
	$(BIN)/ruff check .
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) data/demo
