"""Issue 22 §4, the read replica's routing (pingxiang.replica) without a replica server: the
settings, the router's rules, what a request marks, and that an unreachable replica means
reading the primary. tests/integration/test_read_replica.py runs a real streaming replica."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids.models import Area
from pingxiang import replica

BASE_DIR = Path(__file__).resolve().parents[2]
BOTH = ["default", replica.ALIAS]


def _settings_with(**env):
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps({'dbs': settings.DATABASES, 'routers': settings.DATABASE_ROUTERS},"
            " default=str))")
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    environ.update(env, DJANGO_SETTINGS_MODULE="pingxiang.settings")
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environ,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_replica_url_there_is_only_the_primary():
    found = _settings_with()
    assert set(found["dbs"]) == {"default"}
    assert found["routers"] == ["pingxiang.replica.Router"]


def test_the_replica_url_adds_a_replica_alias_mirroring_the_primary_in_tests():
    found = _settings_with(DATABASE_REPLICA_URL="postgres://reader:pw@10.0.0.9:5433/pingxiang")
    primary, copy = found["dbs"]["default"], found["dbs"]["replica"]
    assert (copy["HOST"], copy["PORT"], copy["USER"], copy["NAME"]) == (
        "10.0.0.9", "5433", "reader", "pingxiang")
    assert copy["TEST"]["MIRROR"] == "default"
    assert copy["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"]


def test_a_replica_url_that_is_not_postgres_stops_the_process():
    environ = dict(os.environ, DATABASE_REPLICA_URL="mysql://x@h/db")
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                          cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "DATABASE_REPLICA_URL must be a postgres://" in done.stderr


@pytest.mark.django_db
def test_without_a_replica_every_read_and_write_is_the_primary():
    router = replica.Router()
    with replica.reads() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert router.db_for_read(Area) == DEFAULT_DB_ALIAS
        assert Area.objects.all()._db is None and Area.objects.all().db == DEFAULT_DB_ALIAS


def test_the_router_never_writes_or_migrates_on_the_replica():
    router = replica.Router()
    assert router.db_for_write(Area) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(replica.ALIAS, "grids") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "grids") is not False


@pytest.mark.parametrize("sql, writes", [
    ('INSERT INTO "cases_case" ...', True), ('  update "x" set', True),
    ('DELETE FROM "x"', True), ("TRUNCATE x", True), ("COPY x FROM STDIN", True),
    ('SELECT "x"."id" FROM "x"', False), ("SAVEPOINT s1", False), ("", False),
    ('SELECT 1 FOR UPDATE', False)])
def test_what_counts_as_a_write(sql, writes):
    assert replica.is_write(sql) is writes


# --- With a `replica` alias: the primary's own test database, or a server that is not there

@pytest.fixture(scope="module")
def replica_alias(request, django_db_setup):
    """The `replica` alias as settings would make it (TEST MIRROR), on the address the
    module's `replica_address` gives: the primary itself (a promoted replica: it has
    everything), or a port nobody listens on."""
    address = request.module.REPLICA_ADDRESS
    connections.settings[replica.ALIAS] = {
        **connections.settings[DEFAULT_DB_ALIAS], **address,
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS}}
    yield
    connections[replica.ALIAS].close()
    del connections[replica.ALIAS]
    del connections.settings[replica.ALIAS]
    replica._DOWN_UNTIL[0] = 0.0


REPLICA_ADDRESS = {}  # the primary itself


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_replica_block_reads_the_replica_but_not_inside_a_transaction(replica_alias, cast):
    router = replica.Router()
    with replica.reads(user=cast.leader) as alias:
        assert alias == replica.ALIAS
        with CaptureQueriesContext(connections[replica.ALIAS]) as on_replica:
            town = Area.objects.get(pk=cast.town.pk)
        assert "grids_area" in on_replica.captured_queries[-1]["sql"]
        assert town._state.db == replica.ALIAS
        with transaction.atomic():  # an action: it reads where it writes
            assert router.db_for_read(Area) == DEFAULT_DB_ALIAS
        with replica.primary():
            assert router.db_for_read(Area) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Area) == replica.ALIAS
    # After the block, even an object that came from the replica reads the primary.
    assert router.db_for_read(Area, instance=town) == DEFAULT_DB_ALIAS
    assert town.parent.pk == cast.county.pk


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_request_that_wrote_marks_its_user_and_one_that_only_read_does_not(
        replica_alias, cast, login):
    client = login(cast.centre)
    key = replica._mark_key(cast.centre.pk)
    cache.delete(key)
    assert client.get(reverse("rectification:hazard_list")).status_code == 200
    assert cache.get(key) is None
    response = client.post(reverse("rectification:hazard_create"), {})  # refused: no write
    assert cache.get(key) is None, response.status_code
    replica.note_write(cast.centre)
    assert replica.last_write(cast.centre) > 0 and cache.get(key)[1] >= 0  # when, and where
    cache.delete(key)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_held_ladder_is_loaded_from_the_primary_even_in_a_replica_block(replica_alias, cast):
    """The process holds the ladder, policy and categories under a version read on the
    primary (cases.models reference): loaded from a replica that has not yet replayed an
    edit, the old rows would be held under the new number until the next edit."""
    from cases.models import Level, Policy, category_names
    from pingxiang import held

    held.forget_all()
    with replica.reads(user=cast.leader):
        with CaptureQueriesContext(connections[replica.ALIAS]) as on_replica:
            assert [r.number for r in Level.ladder()] == [1, 2, 3, 4, 5]
            assert Policy.current().pk == 1
            assert category_names()
    assert not [q["sql"] for q in on_replica.captured_queries
                if "cases_level" in q["sql"] or "cases_policy" in q["sql"]
                or "cases_category" in q["sql"]]
