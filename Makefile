# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOHOA_HOME ?= $(CURDIR)/sohoa-data
SAMPLES := $(SOHOA_HOME)/samples

.PHONY: demo test setup system-deps venv lint clean

demo: setup
	@test -d "$(SAMPLES)/scans" || $(BIN)/python scripts/make_samples.py "$(SAMPLES)" --preset demo --seed 1
	@test -f "$(SAMPLES)/scans/e-trich-luc-khai-sinh.pdf" || $(BIN)/python scripts/make_eoriginal.py "$(SAMPLES)/scans"
	@$(BIN)/sohoa targets import scripts/demo_targets.csv --operator demo >/dev/null
	@$(BIN)/sohoa targets operator demo --agency 000.00.00.H42 --name "Cán bộ demo" --operator demo >/dev/null
	@$(BIN)/sohoa batch run "$(SAMPLES)/scans" --operator demo; status=$$?; \
	  echo; echo "Kết quả / Results:"; \
	  echo "  kho lưu trữ / warehouse : $(SOHOA_HOME)/warehouse/objects/owners/<owner key>/<document code>/"; \
	  echo "  sổ / catalog            : $(SOHOA_HOME)/catalog.db   (sohoa show <document code>)"; \
	  echo "  cách ly / quarantine    : $(SOHOA_HOME)/quarantine/"; \
	  echo "  mẫu / samples           : $(SAMPLES)/scans (ground truth in $(SAMPLES)/truth)"; \
	  echo; echo "Tiếp nhận hồ sơ mới, tra cứu kho / new dossiers at reception, reuse checks:"; \
	  $(BIN)/python scripts/demo_reception.py || status=2; \
	  echo; echo "Đồng bộ kho dữ liệu Cổng DVC quốc gia / sync with the national portal's warehouse:"; \
	  $(BIN)/python scripts/demo_sync.py || status=2; \
	  key=$$($(BIN)/sohoa apikey create --agency 000.00.00.H42 --scopes dashboard --client demo-dashboard --json \
	    | $(BIN)/python -c 'import json, sys; print(json.load(sys.stdin)["key"])'); \
	  echo; echo "Bảng theo dõi / KPI dashboard: chạy / run  $(BIN)/sohoa serve  rồi mở / then open"; \
	  echo "  http://127.0.0.1:8700/dashboard   khóa đăng nhập / login key: $$key"; \
	  echo "  báo cáo quý / quarterly report: $(BIN)/sohoa report --format xlsx|html|csv|json --out FILE"; \
	  pw=$$( { $(BIN)/sohoa user reset demo.reviewer --json 2>/dev/null \
	    || $(BIN)/sohoa user add demo.reviewer --role reviewer --display-name "Cán bộ kiểm tra demo" --json; } \
	    | $(BIN)/python -c 'import json, sys; print(json.load(sys.stdin)["password"])'); \
	  echo; echo "Màn hình làm việc (duyệt, lô, cách ly, tra cứu) / clerk's workspace: sau khi / after  $(BIN)/sohoa serve"; \
	  echo "  http://127.0.0.1:8700/workspace   tài khoản / login: demo.reviewer   mật khẩu / password: $$pw"; \
	  echo; $(BIN)/sohoa kpi || status=2; \
	  test $$status -le 1

# Worker processes of pytest-xdist: the suite mostly waits (subprocesses, servers, OCR pools), so two or more
# of them fit on a 2-core machine. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

setup: system-deps venv

system-deps:
	@scripts/install_system_deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
