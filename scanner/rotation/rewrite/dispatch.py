"""Pick the rewriter for a file from its path and, for YAML, its content; unknown kinds get none."""

from __future__ import annotations

import posixpath
import re

from scanner.rotation.rewrite import config_files
from scanner.rotation.rewrite.compose import ComposeRewriter
from scanner.rotation.rewrite.dockerfile import DockerfileRewriter
from scanner.rotation.rewrite.docs import DocsRewriter
from scanner.rotation.rewrite.dotenv import DotenvRewriter
from scanner.rotation.rewrite.github_actions import GitHubActionsRewriter
from scanner.rotation.rewrite.javascript import JavaScriptRewriter
from scanner.rotation.rewrite.kubernetes import DEFAULT_SECRET_NAME, KubernetesRewriter
from scanner.rotation.rewrite.python import PythonRewriter
from scanner.rotation.rewrite.rewriter import Rewriter
from scanner.rotation.rewrite.shell import ShellRewriter
from scanner.rotation.rewrite.tfvars import TfvarsRewriter

_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_DOTENV_NAME = re.compile(r"^\.env(?:\.[\w.-]+)?$|^[\w.-]+\.env$")
_DOCKERFILE_NAME = re.compile(r"^(?:Dockerfile|Containerfile)(?:\.[\w.-]+)?$|\.(?:dockerfile|containerfile)$", re.I)
_SHEBANG_SHELL = re.compile(r"^#!\s*\S*(?:/|env\s+)(?:ba|z|k|da)?sh\b")
_K8S = re.compile(r"^apiVersion:\s*\S+", re.M)
_K8S_KIND = re.compile(r"^kind:\s*\S+", re.M)
_COMPOSE_SERVICES = re.compile(r"^services:\s*$", re.M)

_EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "javascript", ".mts": "javascript", ".cts": "javascript", ".tsx": "javascript",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ksh": "shell",
    ".tfvars": "tfvars",
    ".properties": "properties",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini",
    ".toml": "toml",
    ".json": "json", ".ipynb": "json",
    ".md": "docs", ".markdown": "docs", ".mdx": "docs", ".rst": "docs", ".txt": "docs",
    ".html": "docs", ".htm": "docs", ".adoc": "docs",
}  # fmt: skip


def kind_of(path: str, text: str) -> str | None:
    """The file kind keysweep can rewrite, or None when it cannot (the finding becomes a manual item)."""
    base = posixpath.basename(path)
    lower = base.lower()
    if _DOTENV_NAME.match(base):
        return "dotenv"
    if _DOCKERFILE_NAME.search(base):
        return "dockerfile"
    ext = posixpath.splitext(lower)[1]
    if lower.endswith(".tfvars.json"):
        return None
    if ext in (".yml", ".yaml"):
        parts = path.split("/")
        if len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows":
            return "github-actions"
        if lower in ("action.yml", "action.yaml"):
            return "github-actions"
        if _COMPOSE_NAME.match(lower) or _COMPOSE_SERVICES.search(text):
            return "compose"
        if _K8S.search(text) and _K8S_KIND.search(text):
            return "kubernetes"
        return "yaml-config"
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if base in ("README", "CHANGELOG", "NOTES"):
        return "docs"
    if _SHEBANG_SHELL.match(text):
        return "shell"
    return None


def rewriter_for(kind: str, k8s_secret_name: str = DEFAULT_SECRET_NAME) -> Rewriter:
    rewriters: dict[str, Rewriter] = {
        "dotenv": DotenvRewriter(),
        "dockerfile": DockerfileRewriter(),
        "github-actions": GitHubActionsRewriter(),
        "compose": ComposeRewriter(),
        "kubernetes": KubernetesRewriter(k8s_secret_name),
        "python": PythonRewriter(),
        "javascript": JavaScriptRewriter(),
        "shell": ShellRewriter(),
        "tfvars": TfvarsRewriter(),
        "docs": DocsRewriter(),
        "properties": config_files.PROPERTIES,
        "yaml-config": config_files.YAML_CONFIG,
        "toml": config_files.TOML,
        "json": config_files.JSON,
        "ini": config_files.INI,
    }
    return rewriters[kind]
