import pytest
from django.core.exceptions import ImproperlyConfigured

from pingxiang.env import (
    celery_broker_url,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
    parse_database_url,
)


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("Yes", True),
                                           ("on", True), ("0", False), ("false", False),
                                           ("off", False), ("", False)])
def test_env_bool_accepts_usual_spellings(raw, expected):
    assert env_bool("X", environ={"X": raw}) is expected


def test_env_bool_rejects_anything_else_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='ture' is not a boolean"):
        env_bool("DEBUG", environ={"DEBUG": "ture"})


def test_env_int_rejects_words_and_out_of_range():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT='twenty-five' is not a whole"):
        env_int("EMAIL_PORT", 25, environ={"EMAIL_PORT": "twenty-five"})
    with pytest.raises(ImproperlyConfigured, match="is above 65535"):
        env_int("EMAIL_PORT", 25, max_value=65535, environ={"EMAIL_PORT": "70000"})
    assert env_int("EMAIL_PORT", 25, environ={}) == 25


def test_required_values_say_they_are_missing():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required but not set"):
        env_str("SECRET_KEY", environ={})


def test_env_list_rejects_empty_items():
    assert env_list("ALLOWED_HOSTS", environ={"ALLOWED_HOSTS": "a.gov.cn, b"}) == ["a.gov.cn", "b"]
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("ALLOWED_HOSTS", environ={"ALLOWED_HOSTS": "a,,b"})


def test_env_path_must_be_absolute():
    with pytest.raises(ImproperlyConfigured, match="must be an absolute path"):
        env_path("MEDIA_ROOT", "/srv/media", environ={"MEDIA_ROOT": "media"})


def test_redis_url_scheme_is_checked():
    with pytest.raises(ImproperlyConfigured, match="scheme 'http'"):
        env_url("REDIS_URL", schemes=("redis", "unix"), environ={"REDIS_URL": "http://x"})
    assert celery_broker_url("unix:///tmp/r.sock") == "redis+socket:///tmp/r.sock"
    assert celery_broker_url("unix:///tmp/r.sock?db=3") == \
        "redis+socket:///tmp/r.sock?virtual_host=3"
    assert celery_broker_url("redis://h:6379/0") == "redis://h:6379/0"


def test_database_url_only_postgres():
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL is the only database engine"):
        parse_database_url("sqlite:///db.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        parse_database_url("postgres://u@db:5432/")
    with pytest.raises(ImproperlyConfigured, match="port that is not a number"):
        parse_database_url("postgres://u@db:port/x")
    tcp = parse_database_url("postgres://px:s%40cret@db.internal:5433/pingxiang")
    assert (tcp["HOST"], tcp["PORT"], tcp["USER"], tcp["PASSWORD"], tcp["NAME"]) == (
        "db.internal", "5433", "px", "s@cret", "pingxiang")
    sock = parse_database_url("postgresql://postgres:@/postgres?host=/srv/var/pg")
    assert sock["HOST"] == "/srv/var/pg" and sock["NAME"] == "postgres"


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_importing_settings_starts_no_service_and_says_how_to(missing):
    """settings.py starts no PostgreSQL or Redis: without their URLs it refuses, in Chinese
    and English, pointing at `make run` / `make test` (pingxiang.services starts them)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, DATABASE_URL="postgres://u@127.0.0.1:1/x",  # never connected to
               REDIS_URL="redis://127.0.0.1:1/0")
    del env[missing]
    result = subprocess.run([sys.executable, "-c", "import pingxiang.settings"], env=env,
                            cwd=Path(__file__).resolve().parents[2], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} 未设置" in result.stderr and "make run" in result.stderr
    assert f"{missing} is not set" in result.stderr
