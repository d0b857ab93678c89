"""The fixed cast every test can use, built through the same actions as seed_demo.

Areas: 通渭县 → 平襄镇 → 32 villages; 西关村 and 新城社区 have 社 and grids.
Users (password `pw`):
  grid_xiguan   网格员 of 西关村 高家庄社第一网格
  grid_menghe   网格员 of 孟河村 (a grid made here)
  cadre_xiguan  村(社区)干部 of 西关村
  cadre_menghe  村(社区)干部 of 孟河村
  centre        综治中心工作人员 of 平襄镇
  leader        领导 of 平襄镇
  supervisor    督导组成员 of 平襄镇
  admin         系统管理员 of 通渭县 (is_staff)
"""

import os
import shutil
from types import SimpleNamespace

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "pw"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_figure_cache():
    """The dashboard caches figures under a data version (pingxiang.figurecache) that only
    moves forward; a test's rolled-back data must not be served to the next test from it.
    (A live system never rolls back committed data.) A namespace of its own per test, not
    cache.clear(): that is FLUSHDB, and would empty the Celery queues in the same Redis."""
    import uuid

    from pingxiang import figurecache

    figurecache.NAMESPACE = uuid.uuid4().hex


def build_cast():
    from demo.seed_grids import seed_areas
    from grids.actions import create_area, ensure_user, grant_membership
    from grids.models import Area
    from grids.roles import sync_role_groups
    from pingxiang.roles import Role

    sync_role_groups()
    county, town, villages, grids = seed_areas()
    menghe_group = create_area(parent=villages["孟河村"], kind=Area.Kind.GROUP, name="孟河一社")
    menghe_grid = create_area(parent=menghe_group, kind=Area.Kind.GRID, name="孟河一社网格")
    grids["孟河一社网格"] = menghe_grid

    def user(username, full_name, role, area, *, staff=False):
        u = ensure_user(username, full_name=full_name, password=PASSWORD)
        grant_membership(u, area, role)
        if staff:
            u.is_staff = True
            u.save(update_fields=["is_staff"])
        return u

    return SimpleNamespace(
        county=county, town=town, villages=villages, grids=grids,
        xiguan=villages["西关村"], menghe=villages["孟河村"],
        xiguan_grid=grids["高家庄社第一网格"], menghe_grid=menghe_grid,
        grid_xiguan=user("grid_xiguan", "王建国", Role.GRID_WORKER, grids["高家庄社第一网格"]),
        grid_menghe=user("grid_menghe", "孙立", Role.GRID_WORKER, menghe_grid),
        cadre_xiguan=user("cadre_xiguan", "李秀英", Role.VILLAGE_CADRE, villages["西关村"]),
        cadre_menghe=user("cadre_menghe", "马强", Role.VILLAGE_CADRE, villages["孟河村"]),
        centre=user("centre", "张明", Role.CENTRE_STAFF, town),
        leader=user("leader", "赵志强", Role.LEADER, town),
        supervisor=user("supervisor", "陈丽", Role.SUPERVISOR, town),
        admin=user("admin", "刘洋", Role.ADMIN, county, staff=True),
    )


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def still_clock():
    """The clock stands still (time-machine, tick=False): for a test that asserts a cached
    figure has not moved yet, or reads a cache key itself. The figure cache's key holds the
    minute, so a slow run crossing a minute's turn computes afresh."""
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def login(client):
    """login(user) -> a test client logged in as that user."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


# --- Test databases copied from templates built once per run (tests/templatedb.py) ----
@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker,
                    django_db_use_migrations, django_db_keepdb, django_db_createdb,
                    django_db_modify_db_settings):
    """pytest-django's, except that on PostgreSQL the test database is a copy of one
    migrated once for the whole run (the first worker migrates, the others copy)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from tests import templatedb

    keepdb = django_db_keepdb and not django_db_createdb
    verbosity = request.config.option.verbose
    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        if templatedb.eligible(aliases, keepdb, django_db_use_migrations):
            db_cfg = templatedb.setup_test_database(request.config, verbosity,
                                                    serialize="default" in serialized_aliases)
        else:
            db_cfg = setup_databases(verbosity=verbosity, interactive=False, aliases=aliases,
                                     serialized_aliases=serialized_aliases, keepdb=keepdb)
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=verbosity)


@pytest.fixture(scope="module")
def demo_town(request, django_db_setup, django_db_blocker):
    """The whole demo town (seed_demo), seeded once per run into a database of its own
    (tests/templatedb.py). The module's tests run on it, each in its own transaction as
    usual (never a transactional test: its flush would empty the town); module-scoped, so
    the switch comes before the test's transaction begins. Modules on other workers that
    want it wait until this one is done."""
    from django.db import connection

    from tests import templatedb

    flushing = [item.nodeid for item in request.session.items
                if item.module is request.module and _is_transactional(item)]
    if flushing:
        raise RuntimeError(f"demo_town is for tests in a transaction, not {flushing}")
    with django_db_blocker.unblock():
        own = connection.settings_dict["NAME"]
        name, lock = templatedb.demo_town(request.config)
        templatedb.use(name)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            templatedb.use(own)
            lock.release()


# --- Browser tests -------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_browser_not_run = []


def pytest_collection_modifyitems(config, items):
    _serialize_transactional_tests(items)
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if CHROMIUM or not browser_items:
        return
    if os.environ.get("CI"):
        return  # CI must run every browser test: they fail at launch, never skip.
    for item in browser_items:
        _browser_not_run.append(item.nodeid)
        item.add_marker(pytest.mark.skip(reason="no Chromium on this machine"))


def _serialize_transactional_tests(items):
    """A transactional test ends with a flush that would also empty the rows data migrations
    create (ladder levels, time limits, categories); serialized rollback restores them, so
    every test sees the database as migrations left it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if marker.kwargs.get("serialized_rollback"):
            continue
        item.add_marker(pytest.mark.django_db(*marker.args, **{**marker.kwargs,
                                                               "serialized_rollback": True}),
                        append=False)


def _is_transactional(item):
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in getattr(
        item, "fixturenames", ())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, put back the rows migrations left (serialized
    rollback restores them only when the next transactional test starts, and the flush skips
    post_migrate: no content types, permissions, levels...). Alone, pytest-django runs these
    tests last and this rarely matters; under xdist a worker may next set up a session
    fixture (an app's cast, built through the actions) or run a plain test on that empty
    database."""
    result = yield
    if nextitem is not None and _is_transactional(item):
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            with item.config.stash[blocking_manager_key].unblock():
                connection.creation.deserialize_db_from_string(contents)
    return result


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)  # an xdist worker's
    if workeroutput is not None:
        workeroutput["browser_not_run"] = list(_browser_not_run)
    else:  # the run's controller, or the one process: drop the run's template databases
        _drop_template_databases(session.config)


@pytest.hookimpl(optionalhook=True)  # xdist: the controller names the run to each worker
def pytest_configure_node(node):
    from tests import templatedb

    node.workerinput["pingxiang_run"] = templatedb.run_id(node.config)


def _drop_template_databases(config):
    from django.conf import settings
    from django.db import OperationalError
    from pytest_django.plugin import blocking_manager_key

    from tests import templatedb

    if not settings.configured or config.option.collectonly:
        return
    try:
        with config.stash[blocking_manager_key].unblock():
            templatedb.drop_templates(config)
    except OperationalError:
        pass  # no database server: no test made one


@pytest.hookimpl(optionalhook=True)  # xdist: the controller hears what its workers skipped
def pytest_testnodedown(node, error):
    _browser_not_run.extend(getattr(node, "workeroutput", {}).get("browser_not_run", ()))


def pytest_terminal_summary(terminalreporter):
    if _browser_not_run:
        terminalreporter.write_sep(
            "!", f"{len(_browser_not_run)} BROWSER TESTS DID NOT RUN: no Chromium found "
            "(apt-get install chromium fonts-wqy-microhei)", red=True, bold=True)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def chromium(_django_db_helper):
    """Chromium, launched per test AFTER the database is set up: while Playwright's event
    loop runs, Django sees another connection object, and the serialized-rollback restore
    of migration-created rows would silently not happen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium",
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server, request):
    """A fresh Chromium page on the live server that records console errors (CSP violations
    included) and any request to a host other than the app. Phone-sized with
    @pytest.mark.viewport(390, 844). On failure it saves a screenshot and the page's HTML
    to tests/artifacts/; at the end it closes the database connections the test opened."""
    marker = request.node.get_closest_marker("viewport")
    width, height = marker.args if marker else (1280, 900)
    context = chromium.new_context(viewport={"width": width, "height": height},
                                   locale="zh-CN", timezone_id="Asia/Shanghai",
                                   accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    page.console_errors = []
    page.foreign_requests = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.on("request", lambda r: (not r.url.startswith(live_server.url)
                                  and not r.url.startswith(("data:", "blob:", "about:"))
                                  and page.foreign_requests.append(r.url)))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        os.makedirs(ARTIFACTS, exist_ok=True)
        stem = os.path.join(ARTIFACTS, request.node.name.replace("/", "_"))
        try:
            page.screenshot(path=stem + ".png", full_page=True)
            with open(stem + ".html", "w", encoding="utf-8") as fh:
                fh.write(page.content())
        except Exception:  # noqa: BLE001 - the page may be gone; the test's error stands
            pass
    context.close()
    # Queries the test made while Playwright's event loop ran opened their own database
    # connection; close it while that loop still runs (the `chromium` fixture tears down
    # after this one), or the test database cannot be dropped at the end of the session
    # ("accessed by other users") and pytest warns of a leaked connection.
    from django.db import connections

    connections.close_all()


def login_in_browser(page, username, password=PASSWORD):
    page.goto(page.base_url + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def assert_clean_page(page):
    """No console errors or CSP violations, nothing loaded from another host, and no
    horizontal scrolling."""
    assert page.console_errors == [], page.console_errors
    assert page.foreign_requests == [], page.foreign_requests
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
