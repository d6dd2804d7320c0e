"""Hugging Face Hub (`GET /api/whoami-v2`, huggingface_hub's `whoami`): 200 with the account and the token's
auth info; 401 "Invalid credentials in Authorization header"."""

from __future__ import annotations

from tests.emulators.verify.server import ALNUM, ApiEmulator, Reply, Request, random_text


class HuggingFaceEmulator(ApiEmulator):
    name = "huggingface"

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()

    @property
    def base_url(self) -> str:
        return self.url

    def new_key(self, *, live: bool = True) -> str:
        token = "hf_" + random_text(ALNUM, 34)
        if live:
            self.live.add(token)
        return token

    def handle(self, request: Request) -> Reply:
        if request.method != "GET" or request.path != "/api/whoami-v2":
            return Reply(404, {"error": "Not Found"})
        if request.bearer() not in self.live:
            return Reply(401, {"error": "Invalid credentials in Authorization header"})
        return Reply(200, {
            "type": "user", "id": "62f264b9f3c90f4b6514a269", "name": "ada", "fullname": "Ada", "email": None,
            "orgs": [], "auth": {"type": "access_token", "accessToken": {"displayName": "ci", "role": "read"}},
        })  # fmt: skip
