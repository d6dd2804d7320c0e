# Short aliases; README gives the full commands.
.PHONY: test lint bench bench-breadth bench-noise bench-pathological
test:
	python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest
lint:
	.venv/bin/ruff check scanner tests bench && .venv/bin/ruff format --check scanner tests bench && .venv/bin/mypy scanner \
		&& .venv/bin/lint-imports
bench:
	.venv/bin/python bench/bench_scan.py && .venv/bin/python bench/bench_hook.py && .venv/bin/python bench/bench_history.py
bench-breadth:
	.venv/bin/python bench/bench_breadth.py
bench-noise:
	.venv/bin/python bench/bench_noise.py
bench-pathological:
	.venv/bin/python bench/bench_pathological.py --peers
