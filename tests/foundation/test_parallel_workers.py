"""`make test` runs the suite in pytest-xdist workers; tests/parallel.py gives each worker a
Redis database, a Celery queue and a media folder of its own (its test database comes from
pytest-django), so two workers never see each other's cache, tasks or files."""

import pytest

from tests.parallel import redis_url_for_worker, worker_environment


def test_each_worker_gets_its_own_redis_database_queue_and_media():
    base = {"REDIS_URL": "redis://127.0.0.1:6379/0", "CELERY_QUEUE": "pingxiang_ci",
            "PINGXIANG_VAR_DIR": "/srv/var"}
    gw0 = worker_environment({**base, "PYTEST_XDIST_WORKER": "gw0"})
    gw2 = worker_environment({**base, "PYTEST_XDIST_WORKER": "gw2"})
    assert gw0 == {"REDIS_URL": "redis://127.0.0.1:6379/1", "CELERY_QUEUE": "pingxiang_ci_gw0",
                   "MEDIA_ROOT": "/srv/var/media/gw0"}
    assert gw2["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert gw2["CELERY_QUEUE"] == "pingxiang_ci_gw2"
    # Without xdist (or in its controller) nothing changes.
    assert worker_environment(base) == {}


def test_redis_databases_can_be_named_for_a_shared_server():
    assert redis_url_for_worker("redis://:pw@h:6379/4", 1, "11,12,13") == "redis://:pw@h:6379/12"
    with pytest.raises(RuntimeError, match="not enough for worker gw3"):
        redis_url_for_worker("redis://h:6379/4", 3, "11,12,13")
    with pytest.raises(RuntimeError, match="PINGXIANG_TEST_REDIS_DBS"):
        redis_url_for_worker("redis://h:6379/14", 1)


def test_an_embedded_redis_socket_keeps_its_path_and_gets_a_database():
    assert redis_url_for_worker("unix:///srv/var/redis/redis.db.socket", 0) == \
        "unix:///srv/var/redis/redis.db.socket?db=1"


def test_this_process_uses_what_its_worker_was_given(settings):
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return  # one process: the environment as given
    assert settings.CELERY_TASK_DEFAULT_QUEUE.endswith("_" + worker)
    assert settings.REDIS_URL == os.environ["REDIS_URL"]
    assert str(settings.MEDIA_ROOT).endswith(worker)
