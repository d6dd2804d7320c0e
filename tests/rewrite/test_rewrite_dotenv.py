from tests.rewrite.fakes import after, org_id, plan_for, project_key

KEY = project_key()
ORG = org_id()


def test_env_file_is_untracked_and_gets_an_example_and_gitignore_entries(tmp_path):
    env = (
        "# .env (add to .gitignore)\n"
        f'NEXUS_API_KEY="{KEY}"\n'
        f'NEXUS_ORG_ID="{ORG}"\n'
        'NEXUS_BASE_URL="https://api.nexus.io/v1"\n'
        "NEXUS_TIMEOUT_S=30\n"
    )
    plan = plan_for(tmp_path, {".env": env, ".gitignore": "node_modules/\n"}, [KEY, ORG])
    env_change = next(c for c in plan.changes if c.path == ".env")
    assert env_change.untrack and env_change.after is None
    assert plan.untracked_paths == [".env"]
    assert after(plan, ".env.example") == (
        "# .env (add to .gitignore)\nNEXUS_API_KEY=\nNEXUS_ORG_ID=\nNEXUS_BASE_URL=\nNEXUS_TIMEOUT_S=\n"
    )
    assert after(plan, ".gitignore") == "node_modules/\n.env\n!.env.example\n"
    assert ".env" not in plan.written_paths


def test_existing_example_and_gitignore_only_gain_what_is_missing(tmp_path):
    files = {
        "svc/.env": f"export NEXUS_API_KEY={KEY}\nDEBUG=1\n",
        "svc/.env.example": "DEBUG=0\n",
        ".gitignore": ".env\n",
    }
    plan = plan_for(tmp_path, files, [KEY])
    assert after(plan, "svc/.env.example") == "DEBUG=0\nexport NEXUS_API_KEY=\n"
    assert after(plan, ".gitignore") == ".env\n!.env.example\n"


def test_second_plan_after_writing_changes_nothing_but_the_untracking(tmp_path):
    from scanner.rotation.rewrite.engine import write_plan

    files = {".env": f"NEXUS_API_KEY={KEY}\n"}
    plan = plan_for(tmp_path, files, [KEY])
    write_plan(tmp_path, plan)
    again = plan_for(tmp_path, {}, [], None)
    assert again.changes == ()
    replan = plan_for(tmp_path, files, [KEY])
    assert [c.path for c in replan.changes] == [".env"]  # still on disk: untracking is idempotent in git


def test_example_file_with_a_real_value_loses_the_value(tmp_path):
    plan = plan_for(tmp_path, {".env.example": f"NEXUS_API_KEY={KEY}  \n# was {KEY}\n"}, [KEY])
    assert after(plan, ".env.example") == "NEXUS_API_KEY=  \n# was <your NEXUS_API_KEY>\n"
    assert plan.untracked_paths == []
