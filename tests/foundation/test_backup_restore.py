"""A dump of the database restores into a fresh database and the app runs on it with the
same data (docs/operations.md)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from pingxiang import audit
from pingxiang.backup import dump, restore

BASE = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_dump_restores_into_a_fresh_database_and_the_app_runs_on_it(cast, tmp_path):
    audit.record(cast.xiguan, actor=cast.admin, action="test.backup", reason="备份前的记录")
    source = dict(connection.settings_dict)
    path = tmp_path / "pingxiang.dump"
    dump(source, path)
    assert path.stat().st_size > 10_000

    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restore({**source, "NAME": fresh}, path)
        host = source["HOST"]
        url = (f"postgresql://{source['USER']}:@/{fresh}?host={host}" if host.startswith("/")
               else f"postgresql://{source['USER']}:{source['PASSWORD']}@{host}:"
                    f"{source['PORT'] or 5432}/{fresh}")
        script = (
            "from grids.models import Area; from pingxiang.models import AuditEvent;"
            "from django.core.management import call_command;"
            "call_command('migrate', check_unapplied=True, verbosity=0);"
            "print(Area.objects.filter(kind='village').count(),"
            " AuditEvent.objects.filter(action='test.backup').values_list('reason', flat=True)[0])"
        )
        env = dict(os.environ, DATABASE_URL=url)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=BASE,
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "32 备份前的记录"
        # The append-only trigger came back with the data.
        trigger = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from django.db import connection; c = connection.cursor();"
             "c.execute(\"SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only'\");"
             "print(c.fetchone()[0]);"
             "c.execute(\"SELECT count(*) FROM pg_trigger WHERE tgname = "
             "'pingxiang_figures_version'\");"
             "from pingxiang.figurecache import tables; print(c.fetchone()[0] == len(tables()))"],
            cwd=BASE, env=env, capture_output=True, text=True, timeout=120)
        # the append-only triggers, and the dashboard cache's version triggers on every table
        assert trigger.stdout.strip().splitlines()[-2:] == ["2", "True"], trigger.stderr
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
