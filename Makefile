# Short aliases; README gives the full commands.
.PHONY: test lint bench bench-breadth bench-noise bench-org bench-pathological docs-example
test:
	python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest
lint:
	.venv/bin/ruff check scanner tests bench && .venv/bin/ruff format --check scanner tests bench && .venv/bin/mypy scanner \
		&& .venv/bin/lint-imports
bench:
	.venv/bin/python bench/bench_scan.py && .venv/bin/python bench/bench_hook.py && .venv/bin/python bench/bench_history.py \
		&& .venv/bin/python bench/bench_repos.py --no-jobs-1
bench-breadth:
	.venv/bin/python bench/bench_breadth.py
bench-noise:
	.venv/bin/python bench/bench_noise.py
docs-example:
	.venv/bin/python -m tests.incident.example
bench-org:
	.venv/bin/python bench/bench_org.py && .venv/bin/python bench/simulate_org.py
bench-pathological:
	.venv/bin/python bench/bench_pathological.py --peers
