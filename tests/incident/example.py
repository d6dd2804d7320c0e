"""The committed example report (docs/incident-report-example.md and .html), built from the sample docs page in a
generated history: fixed authors and dates, a rotation journal with fixed times, liveness as `scan --verify` gives
it. `make docs-example` (python -m tests.incident.example) writes them; a test checks they are up to date.

Only redacted forms and secret ids reach the output: the values live in a temporary repository and in memory.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scanner.config import Settings  # noqa: E402
from scanner.incident import html, markdown  # noqa: E402
from scanner.incident.build import ReportRequest, build_report  # noqa: E402
from scanner.incident.inputs import parse_scan_document  # noqa: E402
from scanner.incident.model import IncidentReport  # noqa: E402
from scanner.report import json as json_report  # noqa: E402
from scanner.rotation.events import (  # noqa: E402
    Done,
    EventData,
    Manual,
    Minted,
    MintIntent,
    OldDead,
    Planned,
    PrBranch,
    PrOpened,
    Revoked,
    RevokeIntent,
    Run,
    Stored,
    StoreIntent,
    Verified,
    WebhookRotated,
    WebhookRotateIntent,
    encode,
)
from scanner.rotation.exposed import ExposedSecret, group_findings  # noqa: E402
from scanner.rotation.instructions import manual_instructions  # noqa: E402
from scanner.rotation.plan import Action, Plan, Target  # noqa: E402
from scanner.scan import scan_target  # noqa: E402
from scanner.sources.targets import in_repository  # noqa: E402
from tests.incident.history import Repo, isolated_git  # noqa: E402
from tests.rotation.seed import CI_PIPELINE  # noqa: E402

PAGE = ROOT / "tests" / "data" / "nexus-api-reference.txt"
DOCS = ROOT / "docs"
GENERATED_AT = "2024-03-01T12:00:00+00:00"
ROTATION = "rot-20240301T100000Z-4e1c2a"
PR_URL = "https://github.com/acme/nexus-app/pull/4"
STATE_SHOWN = "~/.local/state/keysweep/rotations"


def build_example(tmp: Path) -> IncidentReport:
    repo = _history(tmp)
    settings = Settings(reveal=True)
    result = scan_target(in_repository(repo.path, settings, history=True), settings)
    document = json.loads(json_report.render(result, settings))
    exposed = {e.labels[0] if e.labels else e.kind: e for e in group_findings(result.findings) if not e.identifier}
    _verify(document, exposed)
    state = tmp / "state"
    _journal(state, _rotation(exposed))
    request = ReportRequest("nexus-app", repository=repo.path, state_dir=state, generated_at=GENERATED_AT)
    return replace(build_report(parse_scan_document(document), request), state_dir=STATE_SHOWN)


def _history(tmp: Path) -> Repo:
    """Ada publishes the API reference; Bob copies the CI key into the worker's .env and tags v1.2; Cy moves the
    worker to read it from the environment."""
    repo = Repo.init(tmp / "nexus-app", isolated_git(tmp / "gitconfig"))
    page = PAGE.read_text(encoding="utf-8")
    repo.commit("Add the API reference", {"docs/nexus-api-reference.txt": page, "README.md": "# nexus-app\n"}, "Ada")
    repo.commit("Worker configuration", {"services/worker/.env": f"NEXUS_API_KEY={CI_PIPELINE}\n"}, "Bob")
    repo.tag("v1.2", "Release 1.2")
    repo.commit("Worker reads its key from the environment", {"services/worker/.env": "NEXUS_API_KEY=\n"}, "Cy")
    return repo


def _verify(document: dict[str, object], exposed: dict[str, ExposedSecret]) -> None:
    """Liveness as `keysweep scan --verify` adds it to each row: the rotated key is rejected, the others live."""
    provider = "openai-compatible"
    said = {
        exposed["prod-default"].secret_id: {
            "status": "revoked",
            "reason": "401 from GET /v1/models",
            "provider": provider,
        },
        exposed["ci-pipeline"].secret_id: {"status": "live", "reason": "200 from GET /v1/models", "provider": provider},
        exposed["staging"].secret_id: {"status": "live", "reason": "200 from GET /v1/models", "provider": provider},
    }
    rows = document["findings"]
    assert isinstance(rows, list)
    for row in rows:
        row["verification"] = said.get(row["secret_id"])


def _rotation(exposed: dict[str, ExposedSecret]) -> Plan:
    """`keysweep rotate . --apply` of the production key, the webhook secret and the legacy key (a manual step)."""
    prod, hook, legacy = exposed["prod-default"], exposed["webhook-secret"], exposed["staging"]
    targets = (
        Target(prod, Action.ROTATE_KEY, provider="nexus", key_id="key_prod_01", vault_mount="secret",
               vault_path="keysweep/nexus/NEXUS_API_KEY", env_name="NEXUS_API_KEY"),
        Target(hook, Action.ROTATE_WEBHOOK, provider="nexus", key_id="we_prod_01", vault_mount="secret",
               vault_path="keysweep/nexus/NEXUS_WEBHOOK_SECRET", env_name="NEXUS_WEBHOOK_SECRET"),
        Target(legacy, Action.MANUAL, provider="nexus", env_name="NEXUS_API_KEY_STAGING",
               instructions=manual_instructions(legacy, None, "NEXUS_API_KEY_STAGING")),
    )  # fmt: skip
    return Plan(ROTATION, "2024-03-01T10:00:00+00:00", False, targets, source="/srv/nexus-app")


def _journal(state: Path, plan: Plan) -> None:
    """The journal `Journal.append` writes, line for line, with fixed times."""
    prod, hook, legacy = (t.secret_id for t in plan.targets)
    events: list[tuple[str | None, EventData]] = [
        (None, Planned(plan=plan.to_record())),
        (None, Run(resumed=False, graceful=False)),
        (prod, MintIntent(project_id="proj_default", name=f"keysweep-4e1c2a-{prod[:8]}")),
        (prod, Minted(service_account_id="sa_0f3e", key_id="key_new_7d21", request_id="req_1")),
        (prod, StoreIntent(mount="secret", path="keysweep/nexus/NEXUS_API_KEY", cas=0)),
        (prod, Stored(mount="secret", path="keysweep/nexus/NEXUS_API_KEY", version=1, key_id="key_new_7d21")),
        (prod, Verified(vault_version=1, key_id="key_new_7d21", liveness="live")),
        (hook, WebhookRotateIntent(endpoint_id="we_prod_01")),
        (hook, WebhookRotated(endpoint_id="we_prod_01", request_id="req_2")),
        (hook, Stored(mount="secret", path="keysweep/nexus/NEXUS_WEBHOOK_SECRET", version=1, endpoint_id="we_prod_01")),
        (hook, Verified(vault_version=1, endpoint_id="we_prod_01")),
        (legacy, Manual(instructions=plan.targets[2].instructions)),
        (prod, RevokeIntent(how="delete-key", object_id="key_prod_01")),
        (prod, Revoked(object_id="key_prod_01", request_id="req_3")),
        (prod, OldDead(confirmed_by="401 from GET /v1/models")),
        (None, PrBranch(branch="keysweep/rotate-4e1c2a", base="main", pushed=True, pr_number=4, pr_url=PR_URL)),
        (None, PrOpened(url=PR_URL, message="pull request #4 opened")),
        (None, Done()),
    ]
    state.mkdir(parents=True)
    lines = []
    for seq, (target, data) in enumerate(events, 1):
        ts = f"2024-03-01T10:{seq:02d}:00.000+00:00"
        lines.append(json.dumps({"seq": seq, "ts": ts, "event": str(data.event), "target": target, **encode(data)}))
    (state / f"{ROTATION}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def rendered() -> Iterator[tuple[str, str]]:
    """(file name, text) of the example report in both formats."""
    with tempfile.TemporaryDirectory() as tmp:
        report = build_example(Path(tmp))
    yield "incident-report-example.md", markdown.render(report)
    yield "incident-report-example.html", html.render(report)


def main() -> None:
    for name, text in rendered():
        (DOCS / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
