"""generate_county --towns 1 makes consistent data: the invariants the pages, the sweep
and the dashboard rely on. (No timings here: the benchmark is `make bench`.)"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def scalar(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_one_town_is_consistent(client):
    from cases.models import Case
    from demo.county import FULL, PASSWORD
    from grids.models import Area

    call_command("generate_county", towns=1)
    assert_generated_town(timezone.now())

    # Running it again changes nothing (the town is there already).
    call_command("generate_county", towns=1)
    assert Case.objects.count() == FULL["cases"] // 18
    assert Area.objects.filter(kind="town").count() == 1

    # The generated users can log in and see their town's work.
    from django.contrib.auth import get_user_model

    centre = get_user_model().objects.get(username="t01_centre")
    assert centre.check_password(PASSWORD)
    client.force_login(centre)
    response = client.get("/cases/?status=mediating")
    assert response.status_code == 200
    assert Case.objects.filter(status="mediating").first().number in response.content.decode()

    # Scoping by the records' own town/village columns (grids.access.q_under_user_areas)
    # shows each user exactly what the area-path rule shows: for a user on the county, the
    # town, a village and a grid, on every model scoped that way, with rows in every area.
    assert_column_scoping_matches_paths()


# The dates the data must hold on, whatever today is: a Monday morning, a Wednesday
# before dawn, a Friday evening
# (the weekend stops the working-day clocks), the day before 国庆, New Year's Eve and the
# eve of 春节 2027 (a year the calendar package does not know).
DATES = [
    dt.datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI),
    dt.datetime(2026, 12, 2, 3, 10, tzinfo=SHANGHAI),  # the night main went red
    dt.datetime(2026, 12, 4, 19, 0, tzinfo=SHANGHAI),
    dt.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI),
    dt.datetime(2026, 12, 31, 22, 0, tzinfo=SHANGHAI),
    dt.datetime(2027, 2, 4, 10, 0, tzinfo=SHANGHAI),
]


@pytest.mark.parametrize("at", DATES, ids=lambda d: d.strftime("%Y-%m-%d_%H%M"))
def test_one_town_is_consistent_on_any_date(at):
    """The generator leaves the data as the minute's sweep would, on whatever date it runs:
    every sweeper finds nothing to do straight after it."""
    from pingxiang.timers import run_sweepers

    with time_machine.travel(at, tick=False):
        call_command("generate_county", towns=1)
        now = timezone.now()
        assert_generated_town(now)
        busy = {name: n for name, n in run_sweepers(now).items() if n}
        assert busy == {}


def assert_generated_town(now):
    from cases.models import Case, LevelStint
    from demo.county import FULL
    from demo.villages import VILLAGES
    from grids.models import Area, Household, Resident, Visit
    from petitions.models import Petition
    from rectification.models import Hazard, IssueItem

    # The real town and its 32 real villages; figures are 1/18 of the county's.
    town = Area.objects.get(kind="town")
    assert town.name == "平襄镇" and town.parent.name == "通渭县"
    assert sorted(Area.objects.filter(kind="village").values_list("short_name", flat=True)) \
        == sorted(v[2] for v in VILLAGES)
    assert Household.objects.count() == FULL["households"] // 18
    assert Visit.objects.count() == FULL["visits"] // 18
    assert Case.objects.count() == FULL["cases"] // 18
    assert Petition.objects.count() == FULL["petitions"] // 18
    assert Hazard.objects.count() == FULL["hazards"] // 18
    assert IssueItem.objects.count() == FULL["issues"] // 18

    # Area paths and depths follow the parents.
    assert scalar("""SELECT count(*) FROM grids_area a JOIN grids_area p ON p.id = a.parent_id
                     WHERE a.path <> p.path || a.id || '/' OR a.depth <> p.depth + 1""") == 0
    # Each household's head lives in it; residents are filed under the household's grid.
    assert scalar("""SELECT count(*) FROM grids_household h JOIN grids_resident r
                     ON r.id = h.head_id WHERE r.household_id <> h.id""") == 0
    assert not Household.objects.filter(head__isnull=True).exists()
    assert scalar("""SELECT count(*) FROM grids_resident r JOIN grids_household h
                     ON h.id = r.household_id WHERE r.area_id <> h.grid_id""") == 0
    assert Resident.objects.filter(id_number__isnull=False).count() == Resident.objects.count()
    # Visits: the grid is the household's, the village and the town are the grid's village
    # and town; none ahead.
    assert scalar("""SELECT count(*) FROM grids_visit v JOIN grids_household h
                     ON h.id = v.household_id JOIN grids_area g ON g.id = v.area_id
                     JOIN grids_area t ON t.id = v.town_id
                     WHERE v.area_id <> h.grid_id OR g.path NOT LIKE '%%/' || v.village_id
                     || '/%%' OR t.kind <> 'town' OR g.path NOT LIKE t.path || '%%'""") == 0
    assert not Visit.objects.filter(visited_on__gt=timezone.localdate()).exists()

    # Cases: every state present; open ones run a clock with one open stint at their level.
    assert set(Case.objects.values_list("status", flat=True)) == {
        "registered", "accepted", "mediating", "resolved", "followed_up", "unresolved",
        "archived"}
    assert set(Case.objects.exclude(level=None).values_list("level", flat=True)) == {
        1, 2, 3, 4, 5}
    open_cases = Case.objects.open()
    assert not open_cases.filter(deadline=None).exists()
    assert not open_cases.filter(handler=None).exists()
    assert not open_cases.filter(level_started_at__lt=F("received_at")).exists()
    assert Case.objects.overdue(now).exists() and Case.objects.running().filter(
        deadline__gt=now).exists()
    stints = LevelStint.objects.filter(ended_at=None)
    assert stints.count() == open_cases.count()
    assert scalar("""SELECT count(*) FROM cases_levelstint s JOIN cases_case c ON c.id = s.case_id
                     WHERE s.ended_at IS NULL AND (s.level <> c.level
                     OR s.deadline <> c.deadline)""") == 0
    closed = Case.objects.exclude(status__in=["registered", "accepted", "mediating"])
    assert not closed.filter(deadline__isnull=False).exists()
    assert not closed.filter(resolved_at=None).exists()
    assert not Case.objects.filter(status="registered", level__isnull=False).exists()
    assert not Case.objects.filter(status="archived", archived_at=None).exists()
    assert not Case.objects.filter(status__in=["resolved", "followed_up", "archived"],
                                   resolution_method="").exists()
    assert not Case.objects.filter(resolved_at__lt=F("received_at")).exists()
    assert Case.objects.values("number").distinct().count() == Case.objects.count()

    # The data is as the minute's sweep leaves it: nothing left to escalate, no old
    # follow-up reminder unsent, old overdue hazards already flagged.
    from cases.sweeps import escalate_overdue

    assert not Case.objects.filter(status="resolved", followup_notified=False,
                                   followup_due_on__lt=timezone.localdate()).exists()
    assert not Hazard.objects.filter(status__in=["assigned", "rectifying"],
                                     deadline__lt=timezone.localdate(),
                                     overdue_flagged_at=None).exists()
    assert escalate_overdue(now) == 0

    # Petitions and hazards: a status implies its timestamps, in order.
    assert not Petition.objects.filter(status="registered").exclude(clock="decide").exists()
    assert not Petition.objects.filter(status="accepted").exclude(clock="handle").exists()
    assert not Petition.objects.filter(status="closed", closed_at=None).exists()
    assert not Petition.objects.filter(closed_at__lt=F("accepted_at")).exists()
    assert not Petition.objects.filter(accepted_at__lt=F("received_at")).exists()
    assert not Hazard.objects.filter(status="closed", closed_at=None).exists()
    assert not Hazard.objects.filter(status="registered", deadline__isnull=False).exists()
    assert not Hazard.objects.exclude(status="registered").filter(deadline=None).exists()
    assert not Hazard.objects.filter(verified_at__lt=F("rectified_at")).exists()


COMPARED = ("cty_leader", "t01_centre", "t01v03_cadre", "t01g0007_grid")


def assert_column_scoping_matches_paths(usernames=COMPARED, empty_ok=("t01g0007_grid",)):
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from cases.models import Case
    from grids.access import area_paths
    from grids.models import Visit
    from petitions.access import q_full
    from petitions.models import Petition
    from rectification.models import Hazard, IssueItem

    def by_paths(user, field="area", roles=None):
        q = Q(pk__in=[])
        for path in area_paths(user, roles=roles):
            q |= Q(**{f"{field}__path__startswith": path})
        return q

    from cases.access import READ_ROLES, _grid_worker_extra
    from pingxiang.roles import Role

    users = get_user_model().objects.filter(username__in=usernames)
    assert users.count() == len(usernames)
    for user in users:
        centre = user.username == "t01_centre"
        week_ago = timezone.localdate() - timezone.timedelta(days=7)
        checks = [  # (what the app shows, what the path rule shows, must hold some rows)
            (Case.objects.visible_to(user),
             Case.objects.filter(by_paths(user, roles=READ_ROLES) | (
                 _grid_worker_extra(user) if area_paths(user, roles=[Role.GRID_WORKER])
                 else Q(pk__in=[]))), True),
            (Petition.objects.visible_to(user),
             Petition_objects().filter(by_paths(user) | Q(leader_id=user.pk)), True),
            (Petition_objects().filter(q_full(user)),  # content: the centre's alone
             Petition_objects().filter(by_paths(user, roles=[Role.CENTRE_STAFF])
                                       | Q(leader_id=user.pk)), centre),
            (Hazard.objects.visible_to(user), Hazard.objects.filter(by_paths(user)), True),
            (IssueItem.objects.visible_to(user), IssueItem.objects.filter(by_paths(user)),
             True),
            (Visit.objects.visible_to(user).filter(visited_on__gte=week_ago),
             Visit_objects().filter(by_paths(user), visited_on__gte=week_ago), True),
        ]
        for scoped, reference, must_have_rows in checks:
            got = set(scoped.values_list("pk", flat=True))
            assert got == set(reference.values_list("pk", flat=True)), (user, scoped.model)
            if must_have_rows and user.username not in empty_ok:
                assert got, (user, scoped.model)  # something was compared


def Petition_objects():  # noqa: N802 - a model's manager, imported late
    from petitions.models import Petition
    return Petition.objects


def Visit_objects():  # noqa: N802
    from grids.models import Visit
    return Visit.objects
