"""The households visited from 1 January (the dashboards' year to date) are counted from
grids_visitedhousehold, which triggers on the visits keep in the writing statement: after
visits recorded through the app, a second visit, a visit in another village, a visit of last
year, bulk UPDATEs moving a visit's date, village or household, a DELETE and a many-row
INSERT, the figure equals the visits' own COUNT DISTINCT and the list it links to, and it
reads no visit. A first visit recorded while another transaction recounts the same household
is not lost."""

import datetime as dt
import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grids.actions import create_household, record_visit
from grids.metrics import households_visited
from grids.models import Area, Visit, VisitedHousehold
from pingxiang.metrics import Period, get_metric, grouped

TODAY = timezone.localdate()
NEW_YEAR = dt.date(TODAY.year, 1, 1)


def _from_visits(area, period):
    """The figure as the visits say it: one COUNT DISTINCT per village."""
    villages = Area.objects.filter(path__startswith=area.path, kind=Area.Kind.VILLAGE)
    visits = Visit.objects.filter(village__in=villages, household__isnull=False,
                                  **period.date_filter("visited_on"))
    return grouped(visits, F("village_id"), distinct="household_id")


def _visit(cast, household, day):
    visit, _ = record_visit(actor=cast.grid_xiguan, idempotency_key=uuid.uuid4(),
                            visited_on=day, visit_type=Visit.Type.ROUTINE,
                            findings=[Visit.Finding.NONE], household=household)
    return visit


def _assert_exact(cast):
    ends = sorted({NEW_YEAR, min(NEW_YEAR + dt.timedelta(days=40), TODAY), TODAY})
    for area in (cast.county, cast.town, cast.xiguan, cast.menghe):
        for end in ends:
            period = Period(NEW_YEAR, end)
            assert households_visited(area, period) == _from_visits(area, period), (
                area.name, end)


@pytest.mark.django_db
def test_the_year_to_dates_households_visited_follow_every_write_of_the_visits(
        cast, login):
    homes = [create_household(grid=cast.xiguan_grid, house_number=f"{i}号", head_name=f"户主{i}",
                              actor=cast.grid_xiguan) for i in range(1, 4)]
    far = create_household(grid=cast.menghe_grid, house_number="9号", head_name="孟河户主",
                           actor=cast.grid_menghe)
    first = _visit(cast, homes[0], NEW_YEAR)
    _visit(cast, homes[0], TODAY)  # a second visit: still one household
    later = _visit(cast, homes[1], TODAY)
    _visit(cast, far, NEW_YEAR - dt.timedelta(days=1))  # last year's: not this year's
    _visit(cast, far, TODAY)
    _assert_exact(cast)
    assert households_visited(cast.town, Period(NEW_YEAR, TODAY)) == {
        cast.xiguan.pk: 2, cast.menghe.pk: 1}

    # Corrections an import or a shell might make (a bulk UPDATE): a date, a village, a
    # household.
    Visit.objects.filter(pk=first.pk).update(visited_on=TODAY)
    _assert_exact(cast)
    Visit.objects.filter(pk=later.pk).update(village=cast.menghe)
    _assert_exact(cast)
    Visit.objects.filter(pk=later.pk).update(household=homes[2])
    _assert_exact(cast)
    Visit.objects.filter(pk=later.pk).delete()
    _assert_exact(cast)
    # Many rows in one statement (as an import or COPY writes them): the earliest counts.
    Visit.objects.bulk_create([
        Visit(household=homes[2], area=cast.xiguan_grid, village=cast.xiguan, town=cast.town,
              visited_on=day, visit_type=Visit.Type.ROUTINE, idempotency_key=uuid.uuid4(),
              visitor=cast.grid_xiguan)
        for day in (TODAY, NEW_YEAR, TODAY)])
    _assert_exact(cast)
    assert VisitedHousehold.objects.get(household=homes[2]).first_on == NEW_YEAR

    # Read without a visit, and equal to the list the dashboard's number links to.
    year = Period(NEW_YEAR, TODAY)
    with CaptureQueriesContext(connection) as reading:
        figure = sum(households_visited(cast.town, year).values())
    assert not [q for q in reading if "grids_visit\"" in q["sql"] or "DISTINCT" in q["sql"]]
    response = login(cast.leader).get(get_metric("households_visited").drill(cast.town, year))
    assert response.context["page"].paginator.count == figure == 3


@pytest.mark.django_db(transaction=True)
def test_a_first_visit_recorded_while_another_is_deleted_is_not_lost(cast):
    """Another request records the household's earliest visit of the year and has not yet
    committed; this one deletes its first visit so far, whose recount must wait for the
    other and then see its visit (a recount from the moment before would write the later
    one). The household's first visit is the earliest that remains."""
    home = create_household(grid=cast.xiguan_grid, house_number="1号", head_name="户主",
                            actor=cast.grid_xiguan)
    middle = _visit(cast, home, NEW_YEAR + dt.timedelta(days=2))
    _visit(cast, home, NEW_YEAR + dt.timedelta(days=5))
    inserted, failures = threading.Event(), []

    def earlier():  # the other request, on its own connection
        try:
            with transaction.atomic():
                _visit(cast, home, NEW_YEAR)
                inserted.set()
                time.sleep(1)  # meanwhile the delete below starts, and waits
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            inserted.set()
            connection.close()

    thread = threading.Thread(target=earlier)
    thread.start()
    assert inserted.wait(10)
    started = time.monotonic()
    Visit.objects.filter(pk=middle.pk).delete()
    waited = time.monotonic() - started
    thread.join(10)
    assert not failures and waited > 0.5  # it did wait for the other
    assert VisitedHousehold.objects.get(household=home).first_on == NEW_YEAR
    assert households_visited(cast.xiguan, Period(NEW_YEAR, TODAY)) == {cast.xiguan.pk: 1}
