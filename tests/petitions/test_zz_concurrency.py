"""Races against real PostgreSQL: the loser gets a clear error and nothing changes.
(Named to run last: a transactional test flushes the database.)"""

import threading

import pytest
from django.db import connection

from petitions import actions
from petitions.actions import PetitionError
from petitions.models import Petition
from pingxiang.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_two_users_accepting_at_once_one_wins(cast, make_petition):
    p = make_petition()
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            copy = Petition.objects.select_related("area", "town").get(pk=p.pk)
            barrier.wait()
            actions.accept_petition(copy, actor=cast.centre)
            results.append("ok")
        except PetitionError as exc:
            results.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0] == "ok" and "已被他人处理" in sorted(results)[1]
    assert AuditEvent.objects.filter(object_id=str(p.pk), action="petition.accept").count() == 1
