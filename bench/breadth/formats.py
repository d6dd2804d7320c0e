"""The provider token formats of the breadth corpus: one row per documented format, with its citation.

Each row says how to make a fresh value of that format (seeded), which variable name teams give it, where the
format is documented, and which companion values sit beside it (an AWS key ID beside its secret). Values are
generated from the providers' documented formats only, never from keysweep's rules or other scanners' rule files,
so the corpus stays an independent yardstick.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from .sample import Companion
from .shapes import (
    ALNUM,
    B64,
    B64URL,
    BASE32,
    BECH32,
    LOWER_ALNUM,
    UPPER_ALNUM,
    alnum,
    b64_bytes,
    crc32_token,
    digits,
    hexs,
    jwt_hs256,
    pick,
    uuid4,
)


@dataclass(frozen=True, slots=True)
class Format:
    """One documented credential format."""

    family: str
    name: str
    env: str
    """The conventional variable name the value is assigned to."""
    make: Callable[[Random], str]
    cite: str
    """Where the provider documents the format (prefix, alphabet, length)."""
    exact: bool = True
    """The documented length is fixed, so a value a few characters short is a near-miss (a negative)."""
    companions: Callable[[Random], tuple[Companion, ...]] | None = None
    examples: tuple[str, ...] = ()
    """Public example values from the provider's own documentation: negatives."""
    around: Callable[[Random, str], str] | None = None
    """Wraps the value in the string that gets assigned (a connection string around an account key)."""


def _c(env: str, value: str, counts: bool = False) -> Companion:
    return Companion(env, value, counts)


AI, HOSTING, CLOUD, PAYMSG, TOOLING = "ai", "code-hosting", "cloud", "payments-messaging", "dev-tooling"

OPENAI = "https://platform.openai.com/docs/api-reference/authentication (project, service-account and admin keys)"
ANTHROPIC = (
    "https://docs.anthropic.com/en/api/getting-started and the Claude Code `setup-token` docs (sk-ant-<kind><nn>-)"
)
GITHUB = "https://github.blog/changelog/2021-03-31-authentication-token-format-updates-are-generally-available"
GITHUB_PAT = "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens"
GITLAB = "https://docs.gitlab.com/security/tokens/#token-prefixes"
GITLAB_ROUTABLE = (
    "https://handbook.gitlab.com/handbook/engineering/architecture/design-documents/cells/routable_tokens/"
)
SLACK = "https://api.slack.com/authentication/token-types"
SLACK_HOOKS = "https://api.slack.com/messaging/webhooks and https://slack.com/help/articles/360041352714"
DOPPLER = "https://docs.doppler.com/docs/token-formats"


def _openai(kind: str) -> Callable[[Random], str]:
    return lambda r: f"sk-{kind}-" + pick(r, B64URL, 74) + "T3BlbkFJ" + pick(r, B64URL, 74)


def _anthropic(kind: str) -> Callable[[Random], str]:
    return lambda r: f"sk-ant-{kind}-" + pick(r, B64URL, 93) + "AA"


def _slack_hook(r: Random) -> str:
    return f"https://hooks.slack.com/services/T{pick(r, UPPER_ALNUM, 10)}/B{pick(r, UPPER_ALNUM, 10)}/{alnum(r, 24)}"


def _aws_key_id(prefix: str) -> Callable[[Random], str]:
    return lambda r: prefix + pick(r, BASE32, 16)


def _aws_pair(r: Random) -> tuple[Companion, ...]:
    return (_c("AWS_ACCESS_KEY_ID", _aws_key_id("AKIA")(r), counts=True),)


def _aws_session(r: Random) -> tuple[Companion, ...]:
    return (
        _c("AWS_ACCESS_KEY_ID", _aws_key_id("ASIA")(r), counts=True),
        _c("AWS_SECRET_ACCESS_KEY", pick(r, B64, 40), counts=True),
    )


def _bedrock_long(r: Random) -> str:
    inner = f"BedrockAPIKey-{alnum(r, 4).lower()}-at-{digits(r, 12)}:{b64_bytes(r, 45)}"
    return "ABSK" + base64.b64encode(inner.encode()).decode()


def _bedrock_short(r: Random) -> str:
    query = (
        "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential=ASIA{pick(r, BASE32, 16)}%2F20250701%2Fus-east-1%2Fbedrock%2Faws4_request"
        f"&X-Amz-Date=20250701T101010Z&X-Amz-Expires=43200&X-Amz-Security-Token={b64_bytes(r, 300)}"
        f"&X-Amz-Signature={hexs(r, 64)}&Version=1"
    )
    return "bedrock-api-key-" + base64.b64encode(query.encode()).decode()


def _grafana_cloud(r: Random) -> str:
    doc = {"o": digits(r, 6), "n": f"stack-{digits(r, 5)}-hm-write", "k": alnum(r, 24), "m": {"r": "prod-eu-west-2"}}
    return "glc_" + base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()


def _sentry_org(r: Random) -> str:
    doc = {"iat": 1719000000 + r.randint(0, 9999999), "url": "https://sentry.io", "region_url": "https://us.sentry.io",
           "org": f"acme-{alnum(r, 4).lower()}"}  # fmt: skip
    payload = base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"sntrys_{payload}_{pick(r, B64, 43)}"


def _onepassword(r: Random) -> str:
    doc = {"signInAddress": "my.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256",
           "iterations": 650000, "salt": b64_bytes(r, 16)}, "email": f"{alnum(r, 12).lower()}@1passwordserviceaccounts.com",
           "srpX": hexs(r, 64), "muk": {"alg": "A256GCM", "ext": True, "k": b64_bytes(r, 32, urlsafe=True, pad=False),
           "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"}, "secretKey": f"A3-{pick(r, UPPER_ALNUM, 6)}",
           "throttleSecret": {"seed": hexs(r, 64), "uuid": uuid4(r)}, "deviceUuid": pick(r, LOWER_ALNUM, 26)}  # fmt: skip
    return "ops_" + base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


def _discord_bot(r: Random) -> str:
    user_id = base64.b64encode(digits(r, 18).encode()).decode().rstrip("=")
    return f"{user_id}.{pick(r, B64URL, 6)}.{pick(r, B64URL, 38)}"


def _pypi(r: Random) -> str:
    """A macaroon v2 in PyPI's layout: location `pypi.org`, a UUID identifier, one caveat, a 32-byte signature."""
    caveat = json.dumps({"version": 1, "permissions": "user"}).encode()
    body = b"\x02" + b"\x01\x08pypi.org" + b"\x02\x24" + uuid4(r).encode() + b"\x00"
    body += b"\x02" + bytes([len(caveat)]) + caveat + b"\x00\x00" + b"\x06\x20" + r.randbytes(32)
    return "pypi-" + base64.urlsafe_b64encode(body).decode().rstrip("=")


def _supabase_service_role(r: Random) -> str:
    ref = pick(r, "abcdefghijklmnopqrst", 20)
    return jwt_hs256(r, {"iss": "supabase", "ref": ref, "role": "service_role", "iat": 1700000000, "exp": 2015576000})


# NOTE: `exact=False` where the provider documents a prefix and alphabet but not a fixed length (or says tokens
# may grow), so no "wrong length" near-miss is derived from those rows.
# fmt: off
FORMATS: tuple[Format, ...] = (
    # --- AI ---------------------------------------------------------------------------------------------------
    Format(AI, "openai-project-key", "OPENAI_API_KEY", _openai("proj"), OPENAI, exact=False),
    Format(AI, "openai-service-account-key", "OPENAI_API_KEY", _openai("svcacct"), OPENAI, exact=False),
    Format(AI, "openai-admin-key", "OPENAI_ADMIN_KEY", _openai("admin"), "https://platform.openai.com/docs/api-reference/administration", exact=False),
    Format(AI, "openai-user-key-none", "OPENAI_API_KEY", _openai("None"), OPENAI, exact=False),
    Format(AI, "openai-legacy-key", "OPENAI_API_KEY", lambda r: "sk-" + alnum(r, 20) + "T3BlbkFJ" + alnum(r, 20), OPENAI),
    Format(AI, "anthropic-api-key", "ANTHROPIC_API_KEY", _anthropic("api03"), ANTHROPIC),
    Format(AI, "anthropic-admin-key", "ANTHROPIC_ADMIN_KEY", _anthropic("admin01"), "https://docs.anthropic.com/en/api/administration-api"),
    Format(AI, "anthropic-oauth-token", "CLAUDE_CODE_OAUTH_TOKEN", _anthropic("oat01"), "https://docs.anthropic.com/en/docs/claude-code/setup (claude setup-token prints sk-ant-oat01-)"),
    Format(AI, "anthropic-refresh-token", "ANTHROPIC_REFRESH_TOKEN", _anthropic("ort01"), ANTHROPIC),
    Format(AI, "huggingface-token", "HF_TOKEN", lambda r: "hf_" + pick(r, ALNUM[:52], 34), "https://huggingface.co/docs/hub/security-tokens"),
    Format(AI, "huggingface-org-token", "HUGGINGFACE_API_KEY", lambda r: "api_org_" + pick(r, ALNUM[:52], 34), "https://huggingface.co/docs/hub/security-tokens"),
    Format(AI, "google-api-key", "GOOGLE_API_KEY", lambda r: "AIza" + pick(r, B64URL, 35), "https://cloud.google.com/docs/authentication/api-keys"),
    Format(AI, "groq-api-key", "GROQ_API_KEY", lambda r: "gsk_" + alnum(r, 52), "https://console.groq.com/docs/quickstart"),
    Format(AI, "replicate-api-token", "REPLICATE_API_TOKEN", lambda r: "r8_" + alnum(r, 37), "https://replicate.com/docs/reference/http#authentication"),
    Format(AI, "perplexity-api-key", "PERPLEXITY_API_KEY", lambda r: "pplx-" + alnum(r, 48), "https://docs.perplexity.ai/guides/getting-started"),
    Format(AI, "openrouter-api-key", "OPENROUTER_API_KEY", lambda r: "sk-or-v1-" + hexs(r, 64), "https://openrouter.ai/docs/api-reference/authentication"),
    Format(AI, "cohere-api-key", "COHERE_API_KEY", lambda r: alnum(r, 40), "https://docs.cohere.com/reference/about (40-character key, no prefix)"),
    Format(AI, "mistral-api-key", "MISTRAL_API_KEY", lambda r: alnum(r, 32), "https://docs.mistral.ai/getting-started/quickstart (32-character key, no prefix)"),
    # --- code hosting and CI ------------------------------------------------------------------------------------
    Format(HOSTING, "github-classic-pat", "GITHUB_TOKEN", lambda r: crc32_token(r, "ghp_"), GITHUB),
    Format(HOSTING, "github-oauth-token", "GITHUB_OAUTH_TOKEN", lambda r: crc32_token(r, "gho_"), GITHUB),
    Format(HOSTING, "github-user-to-server", "GH_TOKEN", lambda r: crc32_token(r, "ghu_"), GITHUB),
    Format(HOSTING, "github-server-to-server", "GITHUB_TOKEN", lambda r: crc32_token(r, "ghs_"), GITHUB),
    Format(HOSTING, "github-refresh-token", "GITHUB_REFRESH_TOKEN", lambda r: crc32_token(r, "ghr_"), GITHUB),
    Format(HOSTING, "github-fine-grained-pat", "GITHUB_TOKEN", lambda r: f"github_pat_{pick(r, ALNUM, 22)}_{pick(r, ALNUM, 59)}", GITHUB_PAT),
    Format(HOSTING, "github-oauth-client-secret", "GITHUB_CLIENT_SECRET", lambda r: hexs(r, 40),
           "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps (client id Ov23li…/Iv1.…, 40-hex secret)",
           companions=lambda r: (_c("GITHUB_CLIENT_ID", "Ov23li" + alnum(r, 14)),)),
    Format(HOSTING, "gitlab-pat", "GITLAB_TOKEN", lambda r: "glpat-" + pick(r, B64URL, 20), GITLAB),
    Format(HOSTING, "gitlab-pat-routable", "GITLAB_TOKEN",
           lambda r: f"glpat-{pick(r, B64URL, 36)}.01.{pick(r, LOWER_ALNUM, 9)}", GITLAB_ROUTABLE, exact=False),
    Format(HOSTING, "gitlab-runner-token", "CI_RUNNER_TOKEN", lambda r: "glrt-" + pick(r, B64URL, 20), GITLAB),
    Format(HOSTING, "gitlab-runner-token-routable", "RUNNER_TOKEN",
           lambda r: f"glrt-t1_{pick(r, B64URL, 27)}.{pick(r, LOWER_ALNUM, 2)}{pick(r, LOWER_ALNUM, 7)}", GITLAB_ROUTABLE, exact=False),
    Format(HOSTING, "gitlab-deploy-token", "GITLAB_DEPLOY_TOKEN", lambda r: "gldt-" + pick(r, B64URL, 20), GITLAB),
    Format(HOSTING, "gitlab-feed-token", "GITLAB_FEED_TOKEN", lambda r: "glft-" + pick(r, B64URL, 20), GITLAB),
    Format(HOSTING, "gitlab-ci-build-token", "CI_JOB_TOKEN", lambda r: f"glcbt-{hexs(r, 2)}_{pick(r, B64URL, 20)}", GITLAB, exact=False),
    Format(HOSTING, "gitlab-incoming-mail-token", "GITLAB_INCOMING_EMAIL_TOKEN", lambda r: "glimt-" + pick(r, LOWER_ALNUM, 25), GITLAB),
    Format(HOSTING, "gitlab-agent-token", "GITLAB_AGENT_TOKEN", lambda r: "glagent-" + pick(r, B64URL, 50), GITLAB, exact=False),
    Format(HOSTING, "gitlab-oauth-app-secret", "GITLAB_APP_SECRET", lambda r: "gloas-" + pick(r, B64URL, 64), GITLAB, exact=False),
    Format(HOSTING, "gitlab-pipeline-trigger-token", "GITLAB_TRIGGER_TOKEN", lambda r: "glptt-" + hexs(r, 40), GITLAB),
    Format(HOSTING, "gitlab-scim-oauth-token", "GITLAB_SCIM_TOKEN", lambda r: "glsoat-" + pick(r, B64URL, 20), GITLAB),
    Format(HOSTING, "gitlab-runner-registration-token", "REGISTRATION_TOKEN", lambda r: "GR1348941" + pick(r, B64URL, 20), GITLAB),
    Format(HOSTING, "gitlab-session-cookie", "GITLAB_SESSION", lambda r: hexs(r, 32), GITLAB,
           around=lambda r, v: f"_gitlab_session={v}; path=/; secure; HttpOnly"),
    Format(HOSTING, "bitbucket-app-password", "BITBUCKET_APP_PASSWORD", lambda r: "ATBB" + alnum(r, 32),
           "https://support.atlassian.com/bitbucket-cloud/docs/app-passwords/ (ATBB prefix)", exact=False),
    Format(HOSTING, "azure-devops-pat", "AZURE_DEVOPS_PAT", lambda r: pick(r, "abcdefghijklmnopqrstuvwxyz234567", 52),
           "https://learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate (52-char legacy PAT)"),
    Format(HOSTING, "azure-devops-pat-v2", "AZURE_DEVOPS_EXT_PAT", lambda r: alnum(r, 52) + "JQQJ99" + alnum(r, 18) + "AZDO" + alnum(r, 4),
           "https://devblogs.microsoft.com/devops/new-pat-format (84 characters, AZDO signature at 76-79)"),
    Format(HOSTING, "circleci-personal-token", "CIRCLECI_TOKEN", lambda r: f"CCIPAT_{alnum(r, 22)}_{hexs(r, 40)}", "https://circleci.com/docs/managing-api-tokens/"),
    Format(HOSTING, "circleci-project-token", "CIRCLE_TOKEN", lambda r: f"CCIPRJ_{alnum(r, 22)}_{hexs(r, 40)}", "https://circleci.com/docs/managing-api-tokens/"),
    Format(HOSTING, "buildkite-api-token", "BUILDKITE_API_TOKEN", lambda r: "bkua_" + hexs(r, 40), "https://buildkite.com/docs/apis/managing-api-tokens"),
    # --- cloud -------------------------------------------------------------------------------------------------
    Format(CLOUD, "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", lambda r: pick(r, B64, 40),
           "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", companions=_aws_pair,
           examples=("wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",)),
    Format(CLOUD, "aws-session-token", "AWS_SESSION_TOKEN", lambda r: "IQoJb3JpZ2luX2Vj" + b64_bytes(r, 330),
           "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_use-resources.html", exact=False, companions=_aws_session),
    Format(CLOUD, "aws-bedrock-api-key", "AWS_BEARER_TOKEN_BEDROCK", _bedrock_long, "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html", exact=False),
    Format(CLOUD, "aws-bedrock-short-term-key", "AWS_BEARER_TOKEN_BEDROCK", _bedrock_short, "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-how.html", exact=False),
    Format(CLOUD, "azure-storage-account-key", "AZURE_STORAGE_KEY", lambda r: b64_bytes(r, 64),
           "https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage (512-bit keys, 88 base64 characters)"),
    Format(CLOUD, "azure-storage-connection-string", "AZURE_STORAGE_CONNECTION_STRING", lambda r: b64_bytes(r, 64),
           "https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string",
           around=lambda r, v: f"DefaultEndpointsProtocol=https;AccountName=acme{digits(r, 4)};AccountKey={v};EndpointSuffix=core.windows.net"),
    Format(CLOUD, "azure-sas-signature", "AZURE_BLOB_SAS_URL", lambda r: b64_bytes(r, 32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
           "https://learn.microsoft.com/rest/api/storageservices/create-service-sas (sig=, URL-encoded HMAC-SHA256)", exact=False,
           around=lambda r, v: f"https://acme{digits(r, 4)}.blob.core.windows.net/exports?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&spr=https&sig={v}"),
    Format(CLOUD, "azure-service-bus-key", "SERVICEBUS_CONNECTION_STRING", lambda r: b64_bytes(r, 32),
           "https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas (SharedAccessKey=)",
           around=lambda r, v: f"Endpoint=sb://acme-{digits(r, 4)}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={v}"),
    Format(CLOUD, "azure-entra-client-secret", "AZURE_CLIENT_SECRET",
           lambda r: alnum(r, 3) + digits(r, 1, lead="0123456789") + "Q~" + pick(r, ALNUM + "-_.~", 34),
           "https://learn.microsoft.com/purview/sit-defn-azure-ad-client-secret",
           companions=lambda r: (_c("AZURE_CLIENT_ID", uuid4(r)), _c("AZURE_TENANT_ID", uuid4(r)))),
    Format(CLOUD, "digitalocean-pat", "DIGITALOCEAN_TOKEN", lambda r: "dop_v1_" + hexs(r, 64), "https://docs.digitalocean.com/reference/api/create-personal-access-token/"),
    Format(CLOUD, "digitalocean-oauth-token", "DIGITALOCEAN_ACCESS_TOKEN", lambda r: "doo_v1_" + hexs(r, 64), "https://docs.digitalocean.com/reference/api/oauth/"),
    Format(CLOUD, "heroku-api-key", "HEROKU_API_KEY", uuid4, "https://help.heroku.com/PBGP6IDE/ (authorization tokens are UUIDs)"),
    Format(CLOUD, "cloudflare-api-token", "CLOUDFLARE_API_TOKEN", lambda r: pick(r, B64URL, 40), "https://developers.cloudflare.com/fundamentals/api/get-started/create-token/"),
    Format(CLOUD, "cloudflare-global-api-key", "CLOUDFLARE_API_KEY", lambda r: hexs(r, 37), "https://developers.cloudflare.com/fundamentals/api/get-started/keys/"),
    Format(CLOUD, "fastly-api-token", "FASTLY_API_TOKEN", lambda r: pick(r, B64URL, 32), "https://www.fastly.com/documentation/reference/api/auth-tokens/"),
    Format(CLOUD, "vercel-access-token", "VERCEL_TOKEN", lambda r: "vcp_" + alnum(r, 56), "https://vercel.com/changelog/new-token-formats-and-secret-scanning (length not documented)", exact=False),
    Format(CLOUD, "vercel-api-key", "VERCEL_API_KEY", lambda r: "vck_" + alnum(r, 56), "https://vercel.com/changelog/new-token-formats-and-secret-scanning (length not documented)", exact=False),
    Format(CLOUD, "netlify-pat", "NETLIFY_AUTH_TOKEN", lambda r: "nfp_" + alnum(r, 40), "https://docs.netlify.com/api/get-started/#authentication", exact=False),
    Format(CLOUD, "flyio-token", "FLY_API_TOKEN", lambda r: "FlyV1 fm2_" + b64_bytes(r, 330), "https://fly.io/docs/security/tokens/", exact=False),
    Format(CLOUD, "supabase-pat", "SUPABASE_ACCESS_TOKEN", lambda r: "sbp_" + hexs(r, 40), "https://supabase.com/docs/reference/cli/supabase-login"),
    Format(CLOUD, "supabase-secret-key", "SUPABASE_SECRET_KEY", lambda r: "sb_secret_" + pick(r, B64URL, 31), "https://supabase.com/docs/guides/api/api-keys", exact=False),
    Format(CLOUD, "supabase-service-role-jwt", "SUPABASE_SERVICE_ROLE_KEY", _supabase_service_role, "https://supabase.com/docs/guides/api/api-keys (legacy service_role JWT)", exact=False),
    Format(CLOUD, "databricks-pat", "DATABRICKS_TOKEN", lambda r: "dapi" + hexs(r, 32), "https://docs.databricks.com/en/dev-tools/auth/pat.html"),
    Format(CLOUD, "alibaba-access-key-secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", lambda r: alnum(r, 30),
           "https://www.alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair",
           companions=lambda r: (_c("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI" + alnum(r, 20), counts=True),)),
    # --- payments and messaging -------------------------------------------------------------------------------
    Format(PAYMSG, "stripe-live-secret-key", "STRIPE_SECRET_KEY", lambda r: "sk_live_51" + alnum(r, 97), "https://docs.stripe.com/keys", exact=False),
    Format(PAYMSG, "stripe-test-secret-key", "STRIPE_SECRET_KEY", lambda r: "sk_test_51" + alnum(r, 97), "https://docs.stripe.com/keys", exact=False,
           examples=("sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc",)),
    Format(PAYMSG, "stripe-live-restricted-key", "STRIPE_RESTRICTED_KEY", lambda r: "rk_live_51" + alnum(r, 97), "https://docs.stripe.com/keys#limit-access", exact=False),
    Format(PAYMSG, "stripe-test-restricted-key", "STRIPE_RESTRICTED_KEY", lambda r: "rk_test_51" + alnum(r, 97), "https://docs.stripe.com/keys#limit-access", exact=False),
    Format(PAYMSG, "stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET", lambda r: "whsec_" + alnum(r, 32), "https://docs.stripe.com/webhooks#verify-events", exact=False),
    Format(PAYMSG, "twilio-auth-token", "TWILIO_AUTH_TOKEN", lambda r: hexs(r, 32), "https://www.twilio.com/docs/iam/api/account (AC SID + 32-hex auth token)",
           companions=lambda r: (_c("TWILIO_ACCOUNT_SID", "AC" + hexs(r, 32)),)),
    Format(PAYMSG, "twilio-api-key-secret", "TWILIO_API_SECRET", lambda r: alnum(r, 32), "https://www.twilio.com/docs/iam/api-keys",
           companions=lambda r: (_c("TWILIO_API_KEY", "SK" + hexs(r, 32), counts=True),)),
    Format(PAYMSG, "slack-bot-token", "SLACK_BOT_TOKEN", lambda r: f"xoxb-{digits(r, 12)}-{digits(r, 13)}-{alnum(r, 24)}", SLACK),
    Format(PAYMSG, "slack-legacy-bot-token", "SLACK_API_TOKEN", lambda r: f"xoxb-{digits(r, 11)}-{alnum(r, 24)}", "https://api.slack.com/legacy/custom-integrations/bot-users"),
    Format(PAYMSG, "slack-user-token", "SLACK_USER_TOKEN", lambda r: f"xoxp-{digits(r, 12)}-{digits(r, 12)}-{digits(r, 13)}-{hexs(r, 32)}", SLACK),
    Format(PAYMSG, "slack-app-token", "SLACK_APP_TOKEN", lambda r: f"xapp-1-A{pick(r, UPPER_ALNUM, 10)}-{digits(r, 13)}-{hexs(r, 64)}", SLACK),
    Format(PAYMSG, "slack-config-token", "SLACK_CONFIG_TOKEN", lambda r: f"xoxe.xoxp-1-{pick(r, B64URL, 140)}", "https://api.slack.com/authentication/config-tokens", exact=False),
    Format(PAYMSG, "slack-config-refresh-token", "SLACK_CONFIG_REFRESH_TOKEN", lambda r: f"xoxe-1-{pick(r, B64URL, 140)}", "https://api.slack.com/authentication/config-tokens", exact=False),
    Format(PAYMSG, "slack-client-token", "SLACK_XOXC_TOKEN", lambda r: f"xoxc-{digits(r, 12)}-{digits(r, 12)}-{digits(r, 13)}-{hexs(r, 64)}", SLACK),
    Format(PAYMSG, "slack-session-cookie", "SLACK_XOXD_TOKEN", lambda r: "xoxd-" + b64_bytes(r, 150).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"), SLACK, exact=False),
    Format(PAYMSG, "slack-service-token", "SLACK_SERVICE_TOKEN", lambda r: f"xoxs-{digits(r, 12)}-{digits(r, 12)}-{digits(r, 13)}-{hexs(r, 64)}", SLACK),
    Format(PAYMSG, "slack-webhook-url", "SLACK_WEBHOOK_URL", _slack_hook, SLACK_HOOKS),
    Format(PAYMSG, "slack-workflow-trigger-url", "SLACK_WORKFLOW_URL",
           lambda r: f"https://hooks.slack.com/triggers/T{pick(r, UPPER_ALNUM, 10)}/{digits(r, 13)}/{hexs(r, 32)}", SLACK_HOOKS),
    Format(PAYMSG, "square-access-token", "SQUARE_ACCESS_TOKEN", lambda r: "EAAA" + pick(r, B64URL, 60), "https://developer.squareup.com/docs/build-basics/access-tokens"),
    Format(PAYMSG, "square-legacy-access-token", "SQUARE_ACCESS_TOKEN", lambda r: "sq0atp-" + pick(r, B64URL, 22), "https://developer.squareup.com/docs/build-basics/access-tokens"),
    Format(PAYMSG, "square-application-secret", "SQUARE_APPLICATION_SECRET", lambda r: "sq0csp-" + pick(r, B64URL, 43), "https://developer.squareup.com/docs/oauth-api/overview"),
    Format(PAYMSG, "braintree-access-token", "BRAINTREE_ACCESS_TOKEN", lambda r: f"access_token$production${pick(r, LOWER_ALNUM, 16)}${hexs(r, 32)}",
           "https://developer.paypal.com/braintree/docs/guides/authorization/access-token"),
    Format(PAYMSG, "paypal-client-secret", "PAYPAL_CLIENT_SECRET", lambda r: "E" + pick(r, B64URL, 79), "https://developer.paypal.com/api/rest/authentication/",
           companions=lambda r: (_c("PAYPAL_CLIENT_ID", "A" + pick(r, B64URL, 79)),)),
    Format(PAYMSG, "shopify-access-token", "SHOPIFY_ACCESS_TOKEN", lambda r: "shpat_" + hexs(r, 32), "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens"),
    Format(PAYMSG, "shopify-shared-secret", "SHOPIFY_API_SECRET", lambda r: "shpss_" + hexs(r, 32), "https://shopify.dev/docs/apps/build/authentication-authorization"),
    Format(PAYMSG, "shopify-custom-app-token", "SHOPIFY_ADMIN_TOKEN", lambda r: "shpca_" + hexs(r, 32), "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens"),
    Format(PAYMSG, "shopify-private-app-password", "SHOPIFY_PASSWORD", lambda r: "shppa_" + hexs(r, 32), "https://shopify.dev/docs/apps/build/authentication-authorization"),
    Format(PAYMSG, "sendgrid-api-key", "SENDGRID_API_KEY", lambda r: f"SG.{pick(r, B64URL, 22)}.{pick(r, B64URL, 43)}", "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys"),
    Format(PAYMSG, "mailgun-api-key", "MAILGUN_API_KEY", lambda r: f"{hexs(r, 32)}-{hexs(r, 8)}-{hexs(r, 8)}", "https://documentation.mailgun.com/docs/mailgun/api-reference/authentication/"),
    Format(PAYMSG, "mailgun-legacy-key", "MAILGUN_API_KEY", lambda r: "key-" + hexs(r, 32), "https://documentation.mailgun.com/docs/mailgun/api-reference/authentication/"),
    Format(PAYMSG, "mailchimp-api-key", "MAILCHIMP_API_KEY", lambda r: f"{hexs(r, 32)}-us{r.randint(1, 21)}", "https://mailchimp.com/developer/marketing/guides/quick-start/", exact=False),
    Format(PAYMSG, "postmark-server-token", "POSTMARK_SERVER_TOKEN", uuid4, "https://postmarkapp.com/developer/api/overview#authentication"),
    Format(PAYMSG, "discord-bot-token", "DISCORD_BOT_TOKEN", _discord_bot, "https://discord.com/developers/docs/reference#authentication", exact=False),
    Format(PAYMSG, "discord-webhook-url", "DISCORD_WEBHOOK_URL", lambda r: f"https://discord.com/api/webhooks/{digits(r, 19)}/{pick(r, B64URL, 68)}",
           "https://discord.com/developers/docs/resources/webhook#execute-webhook"),
    Format(PAYMSG, "telegram-bot-token", "TELEGRAM_BOT_TOKEN", lambda r: f"{digits(r, 10)}:AA{pick(r, B64URL, 33)}", "https://core.telegram.org/bots/api#authorizing-your-bot",
           examples=("123456:" + "ABC-DEF1234ghIkl-zyx57W2v1u123ew11",)),
    Format(PAYMSG, "teams-incoming-webhook-url", "TEAMS_WEBHOOK_URL",
           lambda r: f"https://contoso.webhook.office.com/webhookb2/{uuid4(r)}@{uuid4(r)}/IncomingWebhook/{hexs(r, 32)}/{uuid4(r)}",
           "https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook"),
    # --- developer tooling ------------------------------------------------------------------------------------
    Format(TOOLING, "npm-access-token", "NPM_TOKEN", lambda r: "npm_" + alnum(r, 36), "https://docs.npmjs.com/about-access-tokens"),
    Format(TOOLING, "pypi-api-token", "PYPI_TOKEN", _pypi, "https://warehouse.pypa.io/development/token-scanning.html (pypi-AgEIcHlwaS5vcmc, 70+ characters)", exact=False),
    Format(TOOLING, "rubygems-api-key", "GEM_HOST_API_KEY", lambda r: "rubygems_" + hexs(r, 48), "https://guides.rubygems.org/api-key-scopes/"),
    Format(TOOLING, "nuget-api-key", "NUGET_API_KEY", lambda r: "oy2" + pick(r, LOWER_ALNUM, 43), "https://learn.microsoft.com/nuget/nuget-org/scoped-api-keys (46-character oy2 keys)"),
    Format(TOOLING, "dockerhub-pat", "DOCKERHUB_TOKEN", lambda r: "dckr_pat_" + pick(r, B64URL, 27), "https://docs.docker.com/security/for-developers/access-tokens/"),
    Format(TOOLING, "dockerhub-org-token", "DOCKER_ORG_TOKEN", lambda r: "dckr_oat_" + pick(r, B64URL, 32), "https://docs.docker.com/security/for-admins/access-tokens/", exact=False),
    Format(TOOLING, "jfrog-reference-token", "JFROG_ACCESS_TOKEN", lambda r: "cmVmdGtuOjAxOj" + alnum(r, 50), "https://jfrog.com/help/r/jfrog-platform-administration-documentation/access-tokens"),
    Format(TOOLING, "jfrog-api-key", "ARTIFACTORY_API_KEY", lambda r: "AKCp" + alnum(r, 69), "https://jfrog.com/help/r/jfrog-platform-administration-documentation/api-key"),
    Format(TOOLING, "postman-api-key", "POSTMAN_API_KEY", lambda r: f"PMAK-{hexs(r, 24)}-{hexs(r, 34)}", "https://learning.postman.com/docs/developer/postman-api/authentication/"),
    Format(TOOLING, "grafana-service-account-token", "GRAFANA_TOKEN", lambda r: f"glsa_{alnum(r, 32)}_{hexs(r, 8)}", "https://grafana.com/docs/grafana/latest/administration/service-accounts/"),
    Format(TOOLING, "grafana-cloud-token", "GRAFANA_CLOUD_TOKEN", _grafana_cloud, "https://grafana.com/docs/grafana-cloud/security-and-account-management/authentication-and-permissions/access-policies/", exact=False),
    Format(TOOLING, "sentry-org-token", "SENTRY_AUTH_TOKEN", _sentry_org, "https://docs.sentry.io/account/auth-tokens/", exact=False),
    Format(TOOLING, "sentry-user-token", "SENTRY_AUTH_TOKEN", lambda r: "sntryu_" + hexs(r, 64), "https://docs.sentry.io/account/auth-tokens/"),
    Format(TOOLING, "datadog-api-key", "DATADOG_API_KEY", lambda r: hexs(r, 32), "https://docs.datadoghq.com/account_management/api-app-keys/"),
    Format(TOOLING, "datadog-app-key", "DD_APP_KEY", lambda r: hexs(r, 40), "https://docs.datadoghq.com/account_management/api-app-keys/"),
    Format(TOOLING, "newrelic-user-key", "NEW_RELIC_API_KEY", lambda r: "NRAK-" + pick(r, UPPER_ALNUM, 27), "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/"),
    Format(TOOLING, "newrelic-license-key", "NEW_RELIC_LICENSE_KEY", lambda r: hexs(r, 36) + "NRAL", "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#license-key"),
    Format(TOOLING, "pagerduty-api-token", "PAGERDUTY_TOKEN", lambda r: "u+" + pick(r, B64URL, 18), "https://support.pagerduty.com/main/docs/api-access-keys"),
    Format(TOOLING, "atlassian-api-token", "JIRA_API_TOKEN", lambda r: "ATATT3xFfGF0" + pick(r, B64URL, 171) + "=" + hexs(r, 8).upper(),
           "https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/", exact=False),
    Format(TOOLING, "linear-api-key", "LINEAR_API_KEY", lambda r: "lin_api_" + alnum(r, 40), "https://linear.app/developers/graphql#personal-api-keys"),
    Format(TOOLING, "notion-integration-token", "NOTION_TOKEN", lambda r: "ntn_" + digits(r, 11) + alnum(r, 35), "https://developers.notion.com/docs/authorization"),
    Format(TOOLING, "notion-legacy-token", "NOTION_API_KEY", lambda r: "secret_" + alnum(r, 43), "https://developers.notion.com/docs/authorization"),
    Format(TOOLING, "airtable-pat", "AIRTABLE_API_KEY", lambda r: f"pat{alnum(r, 14)}.{hexs(r, 64)}", "https://airtable.com/developers/web/guides/personal-access-tokens"),
    Format(TOOLING, "okta-api-token", "OKTA_API_TOKEN", lambda r: "00" + pick(r, B64URL, 40), "https://developer.okta.com/docs/guides/create-an-api-token/"),
    Format(TOOLING, "auth0-client-secret", "AUTH0_CLIENT_SECRET", lambda r: pick(r, B64URL, 64), "https://auth0.com/docs/get-started/applications/application-settings",
           companions=lambda r: (_c("AUTH0_CLIENT_ID", alnum(r, 32)),)),
    Format(TOOLING, "doppler-personal-token", "DOPPLER_TOKEN", lambda r: "dp.pt." + alnum(r, 43), DOPPLER),
    Format(TOOLING, "doppler-service-token", "DOPPLER_TOKEN", lambda r: "dp.st.prd." + alnum(r, 43), DOPPLER, exact=False),
    Format(TOOLING, "doppler-service-account-token", "DOPPLER_TOKEN", lambda r: "dp.sa." + alnum(r, 43), DOPPLER),
    Format(TOOLING, "onepassword-service-account", "OP_SERVICE_ACCOUNT_TOKEN", _onepassword, "https://developer.1password.com/docs/service-accounts/", exact=False),
    Format(TOOLING, "terraform-cloud-token", "TFE_TOKEN", lambda r: f"{alnum(r, 14)}.atlasv1.{alnum(r, 67)}", "https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens"),
    Format(TOOLING, "pulumi-access-token", "PULUMI_ACCESS_TOKEN", lambda r: "pul-" + hexs(r, 40), "https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/"),
    Format(TOOLING, "vault-service-token", "VAULT_TOKEN", lambda r: "hvs.CAESI" + pick(r, B64URL, 86), "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes", exact=False),
    Format(TOOLING, "vault-batch-token", "VAULT_TOKEN", lambda r: "hvb.AAAAAQ" + pick(r, B64URL, 130), "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes", exact=False),
    Format(TOOLING, "vault-legacy-token", "VAULT_TOKEN", lambda r: "s." + alnum(r, 24), "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes"),
    Format(TOOLING, "age-secret-key", "SOPS_AGE_KEY", lambda r: "AGE-SECRET-KEY-1" + pick(r, BECH32, 58).upper(), "https://age-encryption.org/v1 (Bech32, HRP AGE-SECRET-KEY-)"),
)
# fmt: on
