"""The home page's panels are cached for the user under the data version and the minute
(pingxiang.registry.panels_for): a reload reads no figures, and any write shows at once."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext


def centre_new_cases(html):
    return int(re.search(r"新登记待分流：<a href=\"[^\"]+\"><strong>(\d+)</strong></a>", html).group(1))


def test_a_write_shows_on_the_next_home_page_and_a_reload_reads_no_figures(
        login, cast, make_case, still_clock):
    # The clock stands still: the key holds the minute, and a reload that crossed a
    # minute's turn would compute the panels afresh.
    client = login(cast.centre)
    before = centre_new_cases(client.get("/").content.decode())

    with CaptureQueriesContext(connection) as reload:
        assert centre_new_cases(client.get("/").content.decode()) == before
    assert not [q for q in reload if "cases_case" in q["sql"]]  # served from the cache

    make_case()  # registered: waits for the centre to sort it out
    assert centre_new_cases(client.get("/").content.decode()) == before + 1


def test_each_user_and_role_gets_their_own_panels(login, cast, make_case):
    make_case(area=cast.xiguan_grid)
    centre = login(cast.centre).get("/").content.decode()
    assert "新登记待分流" in centre
    grid = login(cast.grid_menghe).get("/").content.decode()  # another village's worker
    assert "新登记待分流" not in grid
    assert re.search(r"待受理（本网格）：<a href=\"[^\"]+\"><strong>0</strong></a>", grid)


def test_every_roles_panels_and_the_dashboard_go_into_the_shared_cache(login, cast, make_case,
                                                                       caplog):
    """The cache is Redis, so what a panel returns is pickled: a panel whose data cannot be
    would be computed on every request, with only a warning in the log."""
    make_case(area=cast.xiguan_grid)
    for user in (cast.grid_xiguan, cast.cadre_xiguan, cast.centre, cast.leader,
                 cast.supervisor, cast.admin):
        client = login(user)
        assert client.get("/").status_code == 200
    assert login(cast.leader).get("/dashboard/").status_code == 200
    assert not [r for r in caplog.records if r.name == "pingxiang.figurecache"]
