# Short aliases; README gives the full commands.
.PHONY: test lint mutants bench bench-bound bench-breadth bench-noise bench-org bench-pathological docs-example
test:
	python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest
lint:
	.venv/bin/ruff check scanner tests bench && .venv/bin/ruff format --check scanner tests bench && .venv/bin/mypy scanner \
		&& .venv/bin/lint-imports
# Mutation testing of scanner/engine, scanner/filters and scanner/sources against their fast unit tests (slow: not
# in .ci/run). MUTANTS="scanner.engine.detector.*" reruns only the mutants named (fnmatch patterns); SCORE names the
# modules the printed score covers. docs/mutants.md gives the scope, the last scores and every survivor.
MUTANTS ?=
SCORE ?= scanner/engine scanner/filters scanner/sources
mutants:
	.venv/bin/pip install -q -e '.[test,mutants]'
	nice -n 10 .venv/bin/mutmut run --max-children 2 $(MUTANTS)
	.venv/bin/python tools/mutation_score.py $(SCORE)
bench:
	.venv/bin/python bench/bench_scan.py && .venv/bin/python bench/bench_hook.py && .venv/bin/python bench/bench_history.py \
		&& .venv/bin/python bench/bench_repos.py --no-jobs-1
bench-bound:
	.venv/bin/python bench/bench_bound.py --peers
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
