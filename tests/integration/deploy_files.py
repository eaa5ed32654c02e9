"""Readers of the deploy/ files for tests/integration/test_deploy*.py: Compose interpolation, env
files, the Dockerfile, systemd units; and the app's CLI and gunicorn's parser to check commands."""

import ast
import functools
import re
import shlex
from pathlib import Path

import click
import yaml
from gunicorn.config import Config as GunicornConfig

from marketplace import config as app_config
from marketplace import create_app
from marketplace.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
REF = re.compile(r"\$(?:\$|\{(?P<name>\w+)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}|(?P<bare>[A-Za-z_]\w*))")


@functools.cache
def compose() -> dict:
    """deploy/compose.yaml, parsed (anchors and merge keys resolved)."""
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def dotenv(path: Path) -> dict:
    """KEY=VALUE lines (as Compose and systemd read them: comments, optional quotes)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip().strip('"')
    return pairs


def interpolate(text: str, env: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} and $$ (not nested)."""

    def one(m):
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group("name") or m.group("bare"), m.group("op") or "", m.group("arg")
        value = env.get(name)
        missing = value is None or (op.startswith(":") and value == "")
        if op.endswith("?") and missing:
            raise LookupError(f"${{{name}}} is required: {arg}")
        if op.endswith("-") and missing:
            return arg
        return value or ""

    return REF.sub(one, str(text))


def references(text: str) -> list[re.Match]:
    """The ${VAR...} and $VAR references in `text` ($$ is an escaped dollar, not one)."""
    return [m for m in REF.finditer(str(text)) if m.group(0) != "$$"]


def strings(node):
    """Every scalar value of a parsed YAML document."""
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif node is not None:
        yield str(node)


@functools.cache
def compose_env() -> dict:
    """.env.example, with a generated value for every variable compose requires (${VAR:?...})."""
    env = dict(dotenv(DEPLOY / ".env.example"))
    required = {
        m.group("name")
        for s in strings(compose())
        for m in references(s)
        if (m.group("op") or "").endswith("?")
    }
    for name in required:
        env[name] = env[name] or f"{name.lower()}-{'0123456789abcdef' * 3}"
    return env


def service_env(service: str) -> dict:
    """A compose service's environment as its container would get it from .env.example."""
    environment = compose()["services"][service]["environment"]
    return {k: interpolate(v, compose_env()) for k, v in environment.items()}


def config_reads() -> set:
    """The environment variables Config reads, found by handing it a recording mapping."""
    seen = set()

    class Recording(dict):
        def get(self, key, default=None):
            seen.add(key)
            return super().get(key, default)

        def __getitem__(self, key):
            seen.add(key)
            return super().__getitem__(key)

        def __contains__(self, key):
            seen.add(key)
            return super().__contains__(key)

    Config(Recording())
    return seen


def same_as_unset(env: dict, key: str) -> bool:
    """An empty value is read exactly as if the variable were not set (or refused by check())."""
    with_empty = Config({**env, key: ""})
    try:
        with_empty.check()
    except ConfigError:
        return True
    return vars(with_empty) == vars(Config({k: v for k, v in env.items() if k != key}))


def deploy_app(instance: Path):
    """An app for its URL map and CLI (no database needed)."""
    return create_app(
        app_config.TestConfig(
            INSTANCE_DIR=str(instance), SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance}/x.db"
        )
    )


def resolve_cli(site, argv: list[str]) -> click.Command:
    """The flask command `argv` names, with its options parsed as `flask` would (no run)."""
    command, args = site.cli, list(argv)
    while isinstance(command, click.Group):
        assert args, f"flask {' '.join(argv)}: names a group, not a command"
        sub = command.get_command(click.Context(command), args[0])
        assert sub is not None, f"flask {' '.join(argv)}: no command {args[0]!r}"
        command, args = sub, args[1:]
    command.make_context(command.name, args)  # raises on unknown options or bad values
    return command


def gunicorn_args(argv: list[str]):
    """gunicorn's own parse of its command line; the app it names must exist."""
    parsed = GunicornConfig().parser().parse_args(argv)
    module, _, attr = parsed.args[0].partition(":")
    tree = ast.parse((ROOT / f"{module}.py").read_text())
    assigned = {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert attr in assigned, f"{parsed.args[0]}: {module}.py defines no {attr}"
    return parsed


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") or not (pending or line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        word, _, args = (pending + line).strip().partition(" ")
        instructions.append((word.upper(), args.strip()))
        pending = ""
    return instructions


def unit(name: str) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit file: section -> [(key, value)], continuation lines joined."""
    sections, current, pending = {}, None, ""
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if line.strip().startswith(("#", ";")) or not (pending or line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def exec_lines(service: list[tuple[str, str]]) -> list[list[str]]:
    """The argv of each ExecStart, ExecStartPre and ExecStartPost ("-@+!:" prefixes dropped)."""
    return [
        shlex.split(v.lstrip("-@+!:"))
        for k, v in service
        if k.startswith("Exec") and k != "ExecReload"
    ]
