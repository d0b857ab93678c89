"""The case page's lists come from prepared queries (compiled once, run with .raw()): they
must hold exactly what the ORM's own querysets hold, in the same order, with the same values,
for every case, not just the first one they were compiled for."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from cases import actions, page
from cases.models import Case
from pingxiang.audit import timeline
from pingxiang.prepared import PreparedQueryError, prepared
from tests.cases.test_actions import RESOLVE


def _rows(objects):
    return [(type(o).__name__, o.pk, model_to_dict(o)) for o in objects]


def _full_case(running_case, cast):
    case = running_case(1)
    actions.record_session(case, actor=cast.centre, notes="第一次调解", place="村委会")
    actions.record_session(case, actor=cast.grid_xiguan, notes="第二次调解")
    actions.resolve_case(case, actor=cast.centre, **RESOLVE)
    actions.follow_up(case, actor=cast.grid_xiguan, visited_on=dt.date.today(),
                      carried_out=True, satisfaction="satisfied", notes="已修好")
    return Case.objects.get(pk=case.pk)


def test_the_page_lists_hold_what_the_orm_holds_for_each_case(running_case, cast):
    first, second = _full_case(running_case, cast), _full_case(running_case, cast)
    plain = running_case(2)  # nothing recorded yet beyond acceptance
    for case in (first, second, plain):
        got = page.records(case, cast.centre)
        assert _rows(got["parties"]) == _rows(case.party_links.order_by("pk"))
        assert _rows(got["stints"]) == _rows(case.stints.all())
        assert _rows(got["sessions"]) == _rows(case.sessions.all())
        assert _rows(got["agreements"]) == _rows(case.agreements.all())
        assert _rows(got["followups"]) == _rows(case.followups.all())
        assert _rows(got["attachments"]) == _rows(case.attachments.all())
        assert _rows(got["timeline"]) == _rows(timeline(case))
        assert [e.data for e in got["timeline"]] == [e.data for e in timeline(case)]
        assert got["referral"] is None and got["receipts"] == []
    # the people each list names are loaded, and are the right ones
    got = page.records(second, cast.centre)
    assert [m.mediator for m in got["sessions"]] == [cast.centre, cast.grid_xiguan]
    assert [v.visitor for v in got["followups"]] == [cast.grid_xiguan]
    assert [p.resident.name for p in got["parties"]] == ["王大山", "李小河"]
    assert len(got["sessions"]) == 2 and len(page.records(plain, cast.centre)["sessions"]) == 0


def test_a_query_whose_argument_is_rewritten_is_refused_when_first_run(cast):
    wrapped = prepared(lambda text: Case.objects.filter(description__contains=text),
                       kinds=(str,))
    with pytest.raises(PreparedQueryError, match="do not reach the SQL"):
        wrapped("院墙")


def test_a_query_with_select_related_is_refused(cast):
    joined = prepared(lambda pk: Case.objects.select_related("village").filter(pk=pk))
    with pytest.raises(PreparedQueryError, match="select_related"):
        joined(1)


def test_a_pushed_case_shows_its_push_and_whose_receipt_is_waiting(make_case, cast):
    case = make_case(source="court", area=cast.xiguan)
    receipts = list(case.referral.receipts.order_by("pk"))
    assert receipts  # the court's push went to someone
    for user in {r.recipient for r in receipts}:
        got = page.records(case, user)
        assert got["referral"] == case.referral
        assert _rows(got["receipts"]) == _rows(receipts)
        assert [r.recipient for r in got["receipts"]] == [r.recipient for r in receipts]
        assert got["my_receipt"].recipient == user
    assert page.records(case, cast.leader)["my_receipt"] is None


def test_a_prepared_count_counts_each_users_own_rows(make_case, cast):
    from pingxiang.context_processors import _unread
    from pingxiang.models import Notification

    make_case(source="court", area=cast.xiguan)  # a push notifies its recipients
    for user in (cast.cadre_xiguan, cast.centre, cast.leader, cast.grid_xiguan):
        assert _unread.count(user.pk) == Notification.objects.filter(
            recipient=user, read_at__isnull=True).count()
    assert any(_unread.count(u.pk) for u in (cast.cadre_xiguan, cast.centre))


@pytest.mark.parametrize("count", [1, 3, 5, 9, 40, "more than the largest bucket"])
def test_rows_by_key_are_in_bulks_rows_whatever_their_number(cast, count, monkeypatch):
    from grids.models import Area
    from pingxiang import related
    from pingxiang.related import by_keys

    if not isinstance(count, int):
        monkeypatch.setattr(related, "_BUCKETS", (1, 2))
        count = 5

    keys = list(Area.objects.order_by("pk").values_list("pk", flat=True)[:count])
    assert len(keys) == count  # the cast has enough areas for the largest bucket
    got = by_keys(Area, keys)
    want = Area.objects.in_bulk(keys)
    assert sorted(got) == sorted(want)
    assert all(model_to_dict(got[k]) == model_to_dict(want[k]) for k in keys)
