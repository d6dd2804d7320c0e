"""The next action for each secret: the first rule that applies wins, and it names the command to run."""

from __future__ import annotations

import pytest

from scanner.incident.actions import Facts, next_action
from scanner.incident.model import (
    NOT_CHECKED,
    GitExposure,
    Liveness,
    Place,
    Presence,
    PullRequestStatus,
    RefExposure,
    RotationEvent,
    RotationStatus,
    Urgency,
)

LIVE = Liveness("live", "200 from GET /v1/models", "openai-compatible", "scan --verify")
REVOKED = Liveness("revoked", "401", "openai-compatible", "scan --verify")
PLACE = (Place("config/app.env", 1, 16, "c1"),)
IN_HEAD = GitExposure("app", head=Presence.TREE, refs=(RefExposure("main", "branch", Presence.TREE),), traced=True)
HISTORY_ONLY = GitExposure(
    "app",
    head=Presence.HISTORY,
    refs=(RefExposure("main", "branch", Presence.HISTORY), RefExposure("v1.2", "tag", Presence.TREE)),
    commits=("c1", "c2"),
    traced=True,
)
GONE = GitExposure("app", head=Presence.ABSENT, traced=True, commits=())
PR_OPEN = PullRequestStatus("https://github.example/acme/app/pull/4", 4, "open")
PR_CLOSED = PullRequestStatus("https://github.example/acme/app/pull/4", 4, "closed")


def rotation(status: str = "done", action: str = "rotate-key", **kw: object) -> RotationStatus:
    return RotationStatus("rot-20240101T000000Z-abcdef", status, action, kw.pop("state", "done"), **kw)  # type: ignore[arg-type]


def facts(liveness: Liveness = LIVE, exposure: GitExposure | None = IN_HEAD, *rotations: RotationStatus) -> Facts:
    return Facts(False, "project-key", liveness, PLACE, (exposure,) if exposure else (), rotations, ".")


@pytest.mark.parametrize(
    ("case", "urgency", "says"),
    [
        (facts(LIVE, IN_HEAD), Urgency.NOW, "Live and in HEAD: run `keysweep rotate . --apply`"),
        (facts(NOT_CHECKED, IN_HEAD), Urgency.NOW, "`keysweep report --verify` checks liveness first"),
        (facts(LIVE, HISTORY_ONLY), Urgency.NOW, "only in history (reachable from tag v1.2 and more): run "
         "`keysweep rotate . --history --apply`"),
        (facts(REVOKED, HISTORY_ONLY), Urgency.CONSIDER, "Revoked but still reachable from tag v1.2 (and 1 more): "
         "purge history if policy requires"),
        (facts(REVOKED, IN_HEAD), Urgency.SOON, "still in HEAD: replace it with `keysweep fix . --pr`"),
        (facts(REVOKED, IN_HEAD, rotation(pull_request=PR_OPEN, revoked=True)), Urgency.SOON, "PR #4 open: merge it"),
        (facts(REVOKED, GONE), Urgency.NONE, "Closed"),
        (facts(NOT_CHECKED, GONE, rotation(revoked=True)), Urgency.NONE, "Closed"),
        (facts(LIVE, GONE, rotation(revoked=True)), Urgency.NOW, "the provider still accepts it"),
        (facts(LIVE, IN_HEAD, rotation("awaiting-merge", pull_request=PR_OPEN, state="verified")), Urgency.NOW,
         "PR #4 open: deploy the new key and merge it, then `keysweep rotate --resume rot-20240101T000000Z-abcdef .`"),
        (facts(LIVE, IN_HEAD, rotation("awaiting-merge", pull_request=PR_CLOSED)), Urgency.NOW,
         "PR #4 was closed without merging"),
        (facts(LIVE, IN_HEAD, rotation("incomplete", state="minted")), Urgency.NOW,
         "stopped at `minted`: continue it with `keysweep rotate --resume rot-20240101T000000Z-abcdef .`"),
        (facts(LIVE, IN_HEAD, rotation("done", "manual", state="manual", manual_steps=("1. roll it",))),
         Urgency.NOW, "Manual steps outstanding"),
        (facts(NOT_CHECKED, IN_HEAD, rotation("done", "rotate-webhook", state="verified",
                                              events=(RotationEvent("t", "webhook-rotated"),))),
         Urgency.SOON, "Revoked, but the literal is still in HEAD"),
        (facts(LIVE, GitExposure("app", head=Presence.ABSENT, traced=True)), Urgency.SOON, "never committed"),
    ],
)  # fmt: skip
def test_the_next_action_follows_from_liveness_exposure_and_rotation(case: Facts, urgency: Urgency, says: str) -> None:
    action = next_action(case)
    assert action.urgency is urgency
    assert says in action.text


def test_an_identifier_needs_nothing() -> None:
    case = Facts(True, "org-id", NOT_CHECKED, PLACE, (), (), ".")
    assert next_action(case).urgency is Urgency.NONE


def test_the_open_pull_request_url_is_the_next_step() -> None:
    action = next_action(facts(LIVE, IN_HEAD, rotation("awaiting-revoke", pull_request=PR_OPEN, state="verified")))
    assert action.more == ("https://github.example/acme/app/pull/4",)
