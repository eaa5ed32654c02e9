"""deploy/systemd/: the units, the env file, the backup timer, the nginx site and kera-flask,
checked against the app (its settings, its CLI, gunicorn's own option parser)."""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from marketplace.config import Config, ConfigError

from .deploy_files import (
    DEPLOY,
    config_reads,
    deploy_app,
    dotenv,
    exec_lines,
    gunicorn_args,
    resolve_cli,
    same_as_unset,
    unit,
)

ENV_FILE = DEPLOY / "systemd/kera.env.example"


@pytest.fixture(scope="module", name="site")
def _site(tmp_path_factory):
    return deploy_app(tmp_path_factory.mktemp("deploy"))


def test_systemd_env_file_is_a_production_config_once_its_secrets_are_filled():
    env = dotenv(ENV_FILE)
    with pytest.raises(ConfigError):
        Config(env).check()  # as shipped it refuses to start: nothing to forget
    config = Config({**env, "SECRET_KEY": "k" * 48})
    config.check()
    assert config.APP_ENV == "production" and config.TRUSTED_HOSTS and config.PROXY_FIX_HOPS == 1
    assert config.RATELIMIT_STORAGE_URI.startswith("redis://")
    assert urlsplit(env["DATABASE_URL"]).scheme == "postgresql"  # pg_dump reads it too


def test_env_file_names_only_settings_the_config_reads_and_empty_means_unset():
    env, reads = {**dotenv(ENV_FILE), "SECRET_KEY": "k" * 48}, config_reads()
    assert set(env) <= reads, set(env) - reads
    for key in [k for k, v in env.items() if v == ""]:
        assert same_as_unset(env, key), f"kera.env.example: {key} left empty differs from unset"


@pytest.mark.parametrize(
    "name", ["kera-web.service", "kera-worker.service", "kera-worker@.service"]
)
def test_systemd_units_run_real_commands_hardened(site, name):
    service = unit(name)["Service"]
    settings = dict(service)
    env = dotenv(ENV_FILE)
    assert settings["EnvironmentFile"] == "/etc/kera/kera.env"
    assert settings["User"] not in ("root", "0")
    assert ("Environment", "FLASK_APP=wsgi") in service
    hardening = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes"}
    assert {key: settings.get(key) for key in hardening} == hardening
    assert env["INSTANCE_DIR"] in settings["ReadWritePaths"].split()
    metrics = f"/run/{settings['RuntimeDirectory']}"  # one folder for gunicorn and the workers
    assert ("Environment", f"PROMETHEUS_MULTIPROC_DIR={metrics}") in service
    assert metrics == "/run/kera-metrics" and settings["RuntimeDirectoryPreserve"] == "yes"
    commands = exec_lines(service)
    assert commands
    for argv in commands:
        program = Path(argv[0])
        assert program.parent == Path(settings["WorkingDirectory"]) / ".venv/bin", argv
        if program.name == "flask":
            resolve_cli(site, argv[1:])
        else:
            assert program.name == "gunicorn", argv
            assert gunicorn_args(argv[1:]).bind == ["127.0.0.1:8000"]
    names = [" ".join(argv[1:]) for argv in commands if Path(argv[0]).name == "flask"]
    if name.startswith("kera-worker"):
        assert names == ["worker"] and settings["Restart"] == "always"
        assert service == list(unit("kera-worker.service")["Service"])  # one definition
    else:
        assert names == ["db upgrade"]  # migrations before gunicorn starts, as in compose


def test_backup_timer_dumps_the_database_of_the_env_file():
    timer = dict(unit("kera-backup.timer")["Timer"])
    assert timer["OnCalendar"] and timer["Persistent"] == "true"
    service = dict(unit("kera-backup.service")["Service"])
    assert service["Type"] == "oneshot" and service["EnvironmentFile"] == "/etc/kera/kera.env"
    dump = service["ExecStart"].replace("$$", "$").replace("%%", "%")
    assert "pg_dump --format=custom" in dump and '"$DATABASE_URL"' in dump
    backups = re.search(r"KERA_BACKUP_DIR=(\S+)", service["Environment"]).group(1)
    assert service["ReadWritePaths"] == backups and service["ProtectSystem"] == "strict"


def test_nginx_site_forwards_to_gunicorn_as_the_app_expects():
    site_conf = (DEPLOY / "systemd/kera-nginx.conf").read_text()
    web = dict(unit("kera-web.service")["Service"])
    bind = gunicorn_args(shlex.split(web["ExecStart"])[1:]).bind[0]
    assert f"proxy_pass http://{bind};" in site_conf
    for header in ("Host $host", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in site_conf
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", site_conf).group(1))
    assert limit_mb * 1024 * 1024 >= Config({}).MAX_CONTENT_LENGTH  # photos are not cut off
    assert "listen 443 ssl" in site_conf and "return 301 https://" in site_conf


def test_kera_flask_runs_commands_as_the_units_do():
    web = dict(unit("kera-web.service")["Service"])
    script = (DEPLOY / "systemd/kera-flask").read_text()
    argv = shlex.split(script.split("exec ", 1)[1].replace("\\\n", " "))
    assert argv[0] == "systemd-run" and argv[-1] == "$@"
    assert f"--uid={web['User']}" in argv and "--setenv=FLASK_APP=wsgi" in argv
    assert f"--property=EnvironmentFile={web['EnvironmentFile']}" in argv
    assert f"--property=WorkingDirectory={web['WorkingDirectory']}" in argv
    assert Path(argv[-2]) == Path(web["WorkingDirectory"]) / ".venv/bin/flask"
    assert (DEPLOY / "systemd/kera-flask").stat().st_mode & 0o111
