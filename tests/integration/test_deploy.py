"""deploy/: the compose file and the Dockerfile, checked against the app itself.

Docker cannot run on our CI machine, so the files are parsed: every setting production needs is
wired, every ${VAR} comes from .env.example, no secret is committed, commands name real CLI
commands. Then the image is imitated (its COPY lines into a scratch folder, its ENV and CMD on a
free port) and the health checks Docker would run are run against it. The systemd alternative:
test_deploy_systemd.py.
"""

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from marketplace.config import Config, ConfigError

from .deploy_files import (
    DEPLOY,
    ROOT,
    compose,
    compose_env,
    config_reads,
    deploy_app,
    dockerfile,
    dotenv,
    gunicorn_args,
    interpolate,
    references,
    resolve_cli,
    same_as_unset,
    service_env,
    strings,
)

VENV_BIN = Path(sys.executable).parent
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY")
SECRET_TEXT = re.compile(r"sk_(live|test)_\w{8}|rk_live_|whsec_\w{8}|-----BEGIN [A-Z ]*PRIVATE KEY")
LONG_RUNNING = {"app", "worker", "postgres", "meilisearch", "redis", "proxy"}


@pytest.fixture(scope="module", name="site")
def _site(tmp_path_factory):
    return deploy_app(tmp_path_factory.mktemp("deploy"))


def test_production_settings_are_wired_for_app_worker_and_migration():
    services = compose()["services"]
    for name in ("app", "worker", "migrate"):
        env = service_env(name)
        config = Config(env)
        config.check()  # whatever production refuses, it is not refused here
        assert config.APP_ENV == "production"
        assert env["SECRET_KEY"] and env["SECRET_KEY"] == compose_env()["SECRET_KEY"]
        db = urlsplit(env["DATABASE_URL"])
        postgres = service_env("postgres")
        assert (db.scheme, db.hostname, db.username, db.password, db.path) == (
            "postgresql",
            "postgres",
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            "/" + postgres["POSTGRES_DB"],
        )
        assert urlsplit(config.MEILI_URL)[:2] == ("http", "meilisearch:7700")
        meili = services["meilisearch"]["environment"]
        assert config.MEILI_API_KEY == interpolate(meili["MEILI_MASTER_KEY"], compose_env()) != ""
        assert urlsplit(config.RATELIMIT_STORAGE_URI).netloc == "redis:6379"
        public = urlsplit(config.PUBLIC_BASE_URL)
        assert public.scheme == "https" and config.TRUSTED_HOSTS == [public.hostname]
        assert config.PROXY_FIX_HOPS == 1  # Caddy, and nothing else, is in front
    with pytest.raises(ConfigError):  # the check above can fail: production needs a key
        Config({"APP_ENV": "production"}).check()


def test_every_variable_is_one_the_config_reads_and_empty_means_unset():
    reads = config_reads()
    assert {"SECRET_KEY", "DATABASE_URL", "MEILI_URL", "TRUSTED_HOSTS"} <= reads
    for name in ("app", "worker", "migrate"):
        env, raw = service_env(name), compose()["services"][name]["environment"]
        assert set(env) <= reads, f"{name}: not read by marketplace/config.py: {set(env) - reads}"
        for key, value in raw.items():
            refs = references(value)
            if refs and all((m.group("op") or "").endswith("-") for m in refs):  # optional
                blank = {**compose_env(), **{m.group("name") or m.group("bare"): "" for m in refs}}
                if interpolate(value, blank) == "":
                    assert same_as_unset(env, key), f"{name}: {key} left empty differs from unset"


def test_every_reference_is_in_env_example_and_every_example_entry_is_used():
    example = dotenv(DEPLOY / ".env.example")
    referenced = {
        m.group("name") or m.group("bare") for s in strings(compose()) for m in references(s)
    }
    assert referenced <= set(example), f"missing from .env.example: {referenced - set(example)}"
    assert set(example) <= referenced, f"unused in compose.yaml: {set(example) - referenced}"
    caddy = set(re.findall(r"\{\$(\w+)", (DEPLOY / "Caddyfile").read_text()))
    assert caddy and caddy <= set(compose()["services"]["proxy"]["environment"])


def test_no_secret_is_committed():
    checked = set()
    for name, service in compose()["services"].items():
        for key, raw in (service.get("environment") or {}).items():
            sentinel = interpolate(
                raw,
                {
                    m.group("name") or m.group("bare"): f"__{i}__"
                    for i, m in enumerate(references(raw))
                },
            )
            defaults = [
                m.group("arg") for m in references(raw) if (m.group("op") or "").endswith("-")
            ]
            password = urlsplit(sentinel).password if "://" in sentinel else None
            if SECRET_NAME.search(key):
                checked.add(key)
                assert re.fullmatch(r"(__\d+__)+", sentinel) and not any(defaults), f"{name}.{key}"
            if password is not None:
                checked.add(key)
                assert re.fullmatch(r"__\d+__", password) and not any(defaults), f"{name}.{key}"
    assert {
        "SECRET_KEY",
        "MEILI_API_KEY",
        "MEILI_MASTER_KEY",
        "POSTGRES_PASSWORD",
        "DATABASE_URL",
    } <= checked
    for example in (DEPLOY / ".env.example", DEPLOY / "systemd/kera.env.example"):
        secrets = {k: v for k, v in dotenv(example).items() if SECRET_NAME.search(k)}
        assert "SECRET_KEY" in secrets and not any(secrets.values()), f"{example.name}: {secrets}"
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.name != ".env":
            assert not SECRET_TEXT.search(path.read_text()), path
    ignored = subprocess.run(["git", "check-ignore", "-q", "deploy/.env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, "deploy/.env must be git-ignored"


def test_services_dependencies_restarts_ports_and_networks():
    doc = compose()
    services = doc["services"]
    assert set(services) == LONG_RUNNING | {"migrate"}
    for name, service in services.items():
        assert service.get("restart") == ("no" if name == "migrate" else "unless-stopped"), name
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if rule["condition"] == "service_healthy":
                assert "test" in services[dependency].get("healthcheck", {}), dependency
        image = service.get("image", "")
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image) and not image.endswith(":latest"), name
        assert "ports" not in service or name == "proxy", f"{name} publishes ports"
    for name in ("app", "worker"):
        migrate = services[name]["depends_on"]["migrate"]
        assert migrate == {"condition": "service_completed_successfully"}
    assert services["migrate"]["command"] == ["flask", "db", "upgrade"]
    assert services["postgres"]["image"].startswith("postgres:15")
    docs = (ROOT / "docs/search.md").read_text()
    minimum = re.search(r"Meilisearch v(\d+)\.(\d+) or later", docs)
    image = services["meilisearch"]["image"]
    version = re.fullmatch(r"getmeili/meilisearch:v(\d+)\.(\d+)\.\d+", image)
    assert tuple(map(int, version.groups())) >= tuple(map(int, minimum.groups()))
    assert doc["networks"]["backend"]["internal"] is True
    for name in ("postgres", "meilisearch", "redis"):
        assert services[name]["networks"] == ["backend"], name
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])


def test_healthchecks_and_volumes():
    services = compose()["services"]
    health = {name: s["healthcheck"]["test"] for name, s in services.items() if "healthcheck" in s}
    assert health["postgres"][:2] == ["CMD", "pg_isready"] and "kera" in health["postgres"]
    assert health["meilisearch"][-1].endswith("/health")
    assert health["redis"] == ["CMD", "redis-cli", "ping"]
    assert health["app"][-1] == "/healthz" and health["worker"][-1] == "/readyz"
    for name in ("app", "worker"):
        assert health[name][1:3] == ["python", "deploy/healthcheck.py"]
        config = Config(service_env(name))
        mounts = [v.split(":")[1] for v in services[name]["volumes"]]
        for path in (config.INSTANCE_DIR, config.UPLOAD_DIR, config.SEARCH_DB_PATH):
            assert any(Path(path).is_relative_to(m) for m in mounts), f"{name}: {path} not kept"
    assert services["app"]["volumes"] == services["worker"]["volumes"]  # one index, one upload dir
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "meili-data:/meili_data" in services["meilisearch"]["volumes"]


def test_commands_and_health_paths_exist_in_the_app(site):
    services = compose()["services"]
    assert [services[n]["command"][0] for n in ("migrate", "worker")] == ["flask", "flask"]
    for name in ("migrate", "worker"):
        resolve_cli(site, services[name]["command"][1:])
    rules = {r.rule for r in site.url_map.iter_rules() if "GET" in r.methods}
    assert {"/healthz", "/readyz"} <= rules


def test_dockerfile_builds_a_non_root_image_that_runs_gunicorn_wsgi_app():
    steps = dockerfile()
    first = dict(steps)
    assert first["FROM"].startswith("python:3.11-slim")
    runs = " && ".join(args for word, args in steps if word == "RUN")
    assert "pip install -r requirements.txt" in runs
    assert "pybabel compile -d marketplace/translations" in runs
    user_at = max(i for i, (word, _) in enumerate(steps) if word == "USER")
    assert steps[user_at][1] not in ("root", "0") and user_at < [w for w, _ in steps].index("CMD")
    env = dict(pair.split("=", 1) for w, a in steps if w == "ENV" for pair in shlex.split(a))
    assert env["FLASK_APP"] == "wsgi"
    assert env["INSTANCE_DIR"] == Config(service_env("app")).INSTANCE_DIR
    for word, args in steps:
        if word == "COPY":
            for source in shlex.split(args)[:-1]:
                assert (ROOT / source).exists(), source
    cmd = json.loads(first["CMD"])
    assert cmd[0] == "gunicorn" and "ENTRYPOINT" not in first
    port = gunicorn_args(cmd[1:]).bind[0].rpartition(":")[2]
    upstream = re.search(r"reverse_proxy\s+(\S+)", (DEPLOY / "Caddyfile").read_text()).group(1)
    assert upstream == f"app:{port}"
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {"**/.env", ".venv", "instance", ".git"} <= set(ignore)


def test_readme_deploying_commands_exist(site):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    for path in re.findall(r"\bdeploy/[\w./@-]+\w", section):
        assert (ROOT / path).exists() or path == "deploy/.env", path  # .env: the operator's
    assert "docker compose -f deploy/compose.yaml up -d" in section
    flask_commands = re.findall(
        r"^\s*(?:docker compose .*? exec \w+ flask|kera-flask) (.+)$", section, flags=re.MULTILINE
    )
    assert len([c for c in flask_commands if c.startswith("users create")]) == 2  # both ways
    for command in flask_commands:
        resolve_cli(site, shlex.split(command.split(" #")[0]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_image_serves_and_its_health_checks_pass(tmp_path):
    """The image imitated: its COPY lines into a folder, its ENV, the compose environment (with
    SQLite, the embedded search engine and in-memory limits instead of the other containers), the
    migrate command, the CMD on a free port; then the compose health checks, run as Docker would."""
    sys.path.insert(0, str(DEPLOY))
    import healthcheck  # deploy/ is not a package

    sys.path.remove(str(DEPLOY))

    steps, image = dockerfile(), tmp_path / "app"
    for word, args in steps:
        if word == "COPY":
            *sources, target = shlex.split(args)
            for source in sources:
                destination = (
                    image
                    / target
                    / (
                        Path(source).name
                        if target.endswith("/") and not source.endswith("/")
                        else ""
                    )
                )
                destination.parent.mkdir(parents=True, exist_ok=True)
                if (ROOT / source).is_dir():
                    shutil.copytree(ROOT / source, destination, dirs_exist_ok=True)
                else:
                    shutil.copy(ROOT / source, destination)
    data = tmp_path / "data"
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    env.update(pair.split("=", 1) for w, a in steps if w == "ENV" for pair in shlex.split(a))
    env.update(service_env("app"))
    env.update(
        DATABASE_URL=f"sqlite:///{data}/kera.sqlite3",
        MEILI_URL="",
        WEB_CONCURRENCY="2",
        RATELIMIT_STORAGE_URI="memory://",
        INSTANCE_DIR=str(data),
        UPLOAD_DIR=str(data / "up"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    (tmp_path / "metrics").mkdir()

    def run(argv):
        return subprocess.run(
            [str(VENV_BIN / argv[0]), *argv[1:]],
            cwd=image,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    compiled = run(["pybabel", "compile", "-d", "marketplace/translations"])
    assert compiled.returncode == 0, compiled.stderr
    migrated = run(compose()["services"]["migrate"]["command"])
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    port = free_port()
    cmd = json.loads(dict(steps)["CMD"])
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(VENV_BIN / cmd[0]), *cmd[1:]],
        cwd=image,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def check(test):
            return healthcheck.main(["--port", str(port), *test[3:]], environ=env)

        services = compose()["services"]
        app_check = services["app"]["healthcheck"]["test"]
        worker_check = list(services["worker"]["healthcheck"]["test"])
        worker_check[worker_check.index("--host") + 1] = "127.0.0.1"
        deadline = time.monotonic() + 60
        while check(app_check) != 0:
            alive = server.poll() is None and time.monotonic() < deadline
            assert alive, server.stderr.read()[-3000:]
            time.sleep(0.5)
        status, _ = healthcheck.probe("/", host="127.0.0.1", port=port, environ=env, timeout=10)
        assert status == 200
        assert healthcheck.main(["--port", str(port), "/no-such-page"], environ=env) == 1
        assert check(worker_check) == 1  # no worker yet: its container is unhealthy
        worked = run([*services["worker"]["command"], "--once"])
        assert worked.returncode == 0, worked.stderr[-3000:]
        assert check(worker_check) == 0  # its heartbeat seen through the app's /readyz
    finally:
        server.terminate()
        server.wait(timeout=30)
