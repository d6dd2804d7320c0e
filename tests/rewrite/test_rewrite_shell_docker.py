from tests.rewrite.fakes import after, plan_for, project_key

KEY = project_key()


def test_shell_references_fit_their_quoting(tmp_path):
    text = (
        "#!/usr/bin/env bash\n"
        "set -eu\n"
        f'export NEXUS_API_KEY="{KEY}"\n'
        f"curl -H 'Authorization: Bearer {KEY}' https://api.nexus.io/v1/models\n"
        f"nexus login --token {KEY}  # {KEY}\n"
        f"TOKEN='{KEY}'\n"
    )
    plan = plan_for(tmp_path, {"scripts/call": text}, [KEY])
    assert after(plan, "scripts/call") == (
        "#!/usr/bin/env bash\n"
        "set -eu\n"
        'export NEXUS_API_KEY="${NEXUS_API_KEY:?}"\n'
        "curl -H 'Authorization: Bearer '\"${NEXUS_API_KEY:?}\"'' https://api.nexus.io/v1/models\n"
        'nexus login --token "${NEXUS_API_KEY:?}"  # <your NEXUS_API_KEY>\n'
        'TOKEN="${NEXUS_API_KEY:?}"\n'
    )


def test_dockerfile_env_and_arg_values_are_removed_with_a_note(tmp_path):
    text = (
        "FROM python:3.12-slim\n"
        f"ENV NEXUS_API_KEY={KEY}\n"
        f"ENV LOG=info NEXUS_TOKEN={KEY} MODE=prod\n"
        f"ARG NEXUS_BUILD_KEY={KEY}\n"
        f"# key: {KEY}\n"
        'CMD ["python", "app.py"]\n'
    )
    plan = plan_for(tmp_path, {"Dockerfile": text}, [KEY])
    assert after(plan, "Dockerfile") == (
        "FROM python:3.12-slim\n"
        "# ENV NEXUS_API_KEY removed by keysweep: pass it at run time, never in the image\n"
        "ENV LOG=info MODE=prod\n"
        "ARG NEXUS_BUILD_KEY\n"
        "# key: <your NEXUS_API_KEY>\n"
        'CMD ["python", "app.py"]\n'
    )
    notes = next(c.notes for c in plan.changes if c.path == "Dockerfile")
    assert any("NEXUS_TOKEN" in n and "run time" in n for n in notes)
    assert any("BuildKit secret" in n for n in notes)


def test_dockerfile_run_line_is_a_manual_item(tmp_path):
    text = f"FROM alpine\nRUN curl -H 'Authorization: Bearer {KEY}' https://x\n"
    plan = plan_for(tmp_path, {"Dockerfile": text}, [KEY])
    assert plan.changes == ()
    assert [(m.path, m.line) for m in plan.manual] == [("Dockerfile", 2)]
