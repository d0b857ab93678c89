"""docker-compose.yml cannot be run here (no Docker engine), so check that everything it
refers to exists: files, commands, modules, management commands and settings variables."""

import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

BASE = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((BASE / "docker-compose.yml").read_text())
SETTINGS_SRC = (BASE / "pingxiang" / "settings.py").read_text()


def app_services():
    return {name: svc for name, svc in COMPOSE["services"].items() if "build" in svc}


def test_services_are_the_deployment_we_describe():
    assert {"postgres", "redis", "web", "worker-realtime", "worker-background", "beat",
            "migrate"} <= set(COMPOSE["services"])
    assert "pgdata" in COMPOSE["volumes"] and "media" in COMPOSE["volumes"]
    assert COMPOSE["services"]["beat"]["deploy"]["replicas"] == 1


def test_build_context_and_env_file_exist():
    for name, svc in app_services().items():
        assert (BASE / svc["build"] / "Dockerfile").is_file(), name
        assert svc["env_file"] == ".env"
    assert (BASE / ".env.example").is_file()


def test_every_variable_in_env_example_and_compose_is_read_by_settings():
    example = dict(
        line.split("=", 1) for line in (BASE / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    compose_env = set()
    for svc in app_services().values():
        compose_env |= set(svc.get("environment", {}))
    used_only_by_compose = {"POSTGRES_PASSWORD", "GUNICORN_WORKERS"}
    for name in set(example) | compose_env:
        if name in used_only_by_compose:
            continue
        assert f'"{name}"' in SETTINGS_SRC, f"{name} is not read by settings.py"
    gunicorn_conf = (BASE / "deploy" / "gunicorn.conf.py").read_text()
    assert "GUNICORN_WORKERS" in gunicorn_conf
    interpolated = set(re.findall(r"\$\{(\w+)\}", (BASE / "docker-compose.yml").read_text()))
    assert interpolated <= set(example), interpolated - set(example)


def _commands():
    for name, svc in app_services().items():
        yield name, svc["command"]


@pytest.mark.parametrize("service, command", list(_commands()))
def test_commands_refer_to_things_that_exist(service, command):
    program = command[0]
    if program == "python":
        assert command[1] == "manage.py" and (BASE / "manage.py").is_file()
        assert command[2] in get_commands(), command
    elif program == "gunicorn":
        module, attr = command[1].split(":")
        spec = importlib.util.find_spec(module)
        assert spec is not None and f"{attr} = " in Path(spec.origin).read_text()
        conf = command[command.index("-c") + 1]
        assert (BASE / conf).is_file()
        # The config file is valid Python that gunicorn can load.
        compile((BASE / conf).read_text(), conf, "exec")
    elif program == "celery":
        assert command[1:3] == ["-A", "pingxiang"]
        assert command[3] in {"worker", "beat"}
        from pingxiang.celery import app

        assert app.main == "pingxiang"
    else:
        pytest.fail(f"unknown program {program} in {service}")
    # The program itself is installed in the environment.
    assert subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True)
    installed = {p.name.lower() for p in (Path(sys.prefix) / "bin").iterdir()}
    assert program in installed or program == "python", program


def test_healthcheck_script_and_dockerfile_commands_exist():
    assert (BASE / "deploy" / "healthcheck.py").is_file()
    dockerfile = (BASE / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile and "collectstatic" in dockerfile
    assert "deploy/gunicorn.conf.py" in dockerfile
