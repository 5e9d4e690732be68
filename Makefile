# savvy_ros: `make demo` and `make test` are all a newcomer needs; both run `make setup` first.
VENV ?= $(CURDIR)/.venv
PYTHON := $(VENV)/bin/python
# Each test session gets its own DDS domain and localhost-only discovery (see test/conftest.py).
PYTEST_ARGS ?=

.PHONY: setup test demo colcon-check bringup clean distclean help

help:
	@echo "make demo          generate the default scene, replay it through the nodes, print the SAVVY-Bench scores"
	@echo "make test          run every test (unit, DDS round trips, TF, launch/bringup)"
	@echo "make colcon-check  build this repository with colcon in a scratch workspace and import it"
	@echo "make setup         create .venv, install pinned deps, build the interfaces (idempotent)"
	@echo "make clean         remove build outputs; make distclean also removes .venv"

setup:
	@VENV=$(VENV) bash tools/setup_env.sh

test: setup
	$(PYTHON) -m pytest $(PYTEST_ARGS)

demo: setup
	$(VENV)/bin/savvy-ros demo

colcon-check: setup
	@VENV=$(VENV) bash tools/colcon_check.sh

bringup: setup
	$(VENV)/bin/savvy-ros bringup

clean:
	rm -rf build .colcon-check .pytest_cache

distclean: clean
	rm -rf $(VENV)
