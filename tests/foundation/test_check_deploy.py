"""`manage.py check --deploy` is clean with production-like environment values, and
complains loudly with development defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(__file__).resolve().parents[2]


def _run_check(extra):
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DATABASE_URL=os.environ.get("DATABASE_URL", ""), REDIS_URL=settings.REDIS_URL)
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "zongzhi.pingxiang.example.gov.cn",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_COOKIES": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SILENCED_SYSTEM_CHECKS": "security.W021",
    "BEHIND_TLS_PROXY": "true",
}


def test_check_deploy_is_clean_with_production_settings():
    result = _run_check({**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_the_development_key():
    result = _run_check(PRODUCTION)
    assert result.returncode != 0
    assert "pingxiang.E001" in result.stderr + result.stdout
