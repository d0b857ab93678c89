"""Faults: PostgreSQL restarted under load, against a real gunicorn (one sync worker, the
production settings for connections: CONN_MAX_AGE 60, health checks on).

The shared server must not be restarted, so a restart is played on the test database alone,
from a separate superuser connection: the app's backends are terminated (what a restart or a
failover does to open connections), and for the "server is down" window the database stops
accepting connections (ALTER DATABASE ... ALLOW_CONNECTIONS false). In-flight and refused
requests get the Chinese 503 page, never a 500; the app recovers by itself, with no restart.
docs/faults.md has the script for a real restart of a throwaway cluster and what it showed."""

import http.cookiejar
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
UNAVAILABLE = "服务暂时不可用"


def _conninfo(dbname=None):
    db = connection.settings_dict
    return {"dbname": dbname or db["NAME"], "user": db["USER"],
            "password": db["PASSWORD"] or None, "host": db["HOST"] or None,
            "port": db["PORT"] or None, "autocommit": True}


def _database_url():
    db = connection.settings_dict
    if db["HOST"].startswith("/"):
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={db['HOST']}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    def __init__(self, session_key):
        self.port = _free_port()
        env = dict(os.environ, DATABASE_URL=_database_url(), DEBUG="true",
                   DB_CONNECT_TIMEOUT="2")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "pingxiang.wsgi", "-b",
             f"127.0.0.1:{self.port}", "-w", "1", "--worker-class", "sync", "--timeout", "30",
             "--log-level", "warning"],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        jar = http.cookiejar.CookieJar()
        jar.set_cookie(http.cookiejar.Cookie(
            0, "sessionid", session_key, None, False, "127.0.0.1", False, False, "/", True,
            False, None, False, None, None, {}))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("/account/login/")
                return
            except OSError:
                assert self.proc.poll() is None, self.proc.stdout.read().decode()
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def get(self, path):
        try:
            with self.opener.open(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def app(cast):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(cast.centre.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = cast.centre.get_session_auth_hash()
    session.create()
    server = App(session.session_key)
    yield server
    server.stop()


@pytest.fixture
def admin_conn():
    """A superuser connection to another database, from which the test database's backends
    are terminated and its connections switched off and on."""
    conn = psycopg.connect(**_conninfo("postgres"))
    yield conn
    conn.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" ALLOW_CONNECTIONS true')
    conn.close()


def _own_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate_app_backends(conn, *, waiting_only=False):
    """pg_terminate_backend for every backend of the test database but this test's own."""
    sql = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s "
           "AND pid <> %s AND backend_type = 'client backend'")
    if waiting_only:
        sql += " AND wait_event_type = 'Lock'"
    return conn.execute(sql, [connection.settings_dict["NAME"], _own_pid()]).fetchone()[0]


def _waiting(conn):
    return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND "
                        "wait_event_type = 'Lock'",
                        [connection.settings_dict["NAME"]]).fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_database_restart_gives_a_clear_503_and_the_app_recovers_without_restart(
        app, admin_conn):
    name = connection.settings_dict["NAME"]
    assert app.get("/cases/")[0] == 200
    results = []

    # 1. A request in flight when the server goes away: held on a lock, then its backend dies.
    locker = psycopg.connect(**{**_conninfo(), "autocommit": False})
    try:
        locker.execute("LOCK TABLE cases_case IN ACCESS EXCLUSIVE MODE")
        thread = threading.Thread(target=lambda: results.append(app.get("/cases/")))
        thread.start()
        deadline = time.monotonic() + 20
        while _waiting(admin_conn) == 0:
            assert time.monotonic() < deadline, "the request never reached the database"
            time.sleep(0.1)
        assert terminate_app_backends(admin_conn, waiting_only=True) == 1
        thread.join(30)
    finally:
        locker.rollback()
        locker.close()
    status, body = results.pop()
    assert status == 503 and UNAVAILABLE in body, body[:500]

    # 2. The next request reconnects on its own.
    assert app.get("/cases/")[0] == 200

    # 3. The server is down (refuses connections, open ones are cut): even loading the session
    #    fails, and the answer is still the 503 page, for pages and for the health check.
    admin_conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    terminate_app_backends(admin_conn)
    for path in ("/cases/", "/", "/grids/households/"):
        status, body = app.get(path)
        assert status == 503 and UNAVAILABLE in body, (path, status, body[:500])
    assert app.get("/healthz")[0] == 503
    admin_conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    status, body = app.get("/cases/")
    assert status == 200, body[:500]

    # 4. Under load: four clients while the backends are cut every 0.3 s for 3 s.
    stop = threading.Event()
    answers = []

    def client():
        while not stop.is_set():
            answers.append(app.get("/cases/"))

    clients = [threading.Thread(target=client) for _ in range(4)]
    for t in clients:
        t.start()
    end = time.monotonic() + 3
    cuts = 0
    while time.monotonic() < end:
        cuts += terminate_app_backends(admin_conn)
        time.sleep(0.3)
    stop.set()
    for t in clients:
        t.join(30)
    codes = {code for code, _ in answers}
    assert codes <= {200, 503}, codes
    assert all(UNAVAILABLE in body for code, body in answers if code == 503)
    assert len(answers) >= 4 and cuts >= 1
    # ... and afterwards everything answers again, with the same gunicorn process.
    assert app.get("/cases/")[0] == 200 and app.get("/")[0] == 200
    assert app.proc.poll() is None
    RESULT.update(requests=len(answers), unavailable=sum(c == 503 for c, _ in answers),
                  cuts=cuts)


RESULT = {}


@pytest.mark.parametrize("error", ["django", "psycopg operational", "psycopg interface"])
def test_a_driver_error_raised_outside_djangos_wrapper_is_also_a_503(rf, error):
    """Seen in the real restart (docs/faults_pg_restart.py): a server-side cursor's close()
    raised psycopg's own OperationalError, not Django's, from inside a form's rendering."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    from pingxiang.middleware import DatabaseUnavailableMiddleware

    exc = {"django": OperationalError("x"), "psycopg operational": psycopg.OperationalError("x"),
           "psycopg interface": psycopg.InterfaceError("x")}[error]
    request = rf.get("/cases/")
    request.session = SessionStore()
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, exc)
    assert response.status_code == 503 and UNAVAILABLE in response.content.decode()
    assert response["Retry-After"] == "10"


def test_a_session_that_cannot_be_saved_during_an_outage_is_a_503_not_a_400(rf, monkeypatch):
    """Seen under load: the view answered, then saving the session met the outage, and
    Django said "session interrupted" (400). A session deleted elsewhere is still a 400."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.exceptions import SessionInterrupted
    from django.db import OperationalError
    from django.http import HttpResponse

    from pingxiang.middleware import SessionMiddleware

    for cause, expected in ((OperationalError, 503), (None, SessionInterrupted)):
        request = rf.get("/cases/")
        request.session = SessionStore()
        request.session["x"] = 1

        def save(must_create=False, cause=cause):
            from django.contrib.sessions.backends.base import UpdateError
            if cause is None:
                raise UpdateError()
            try:
                raise cause("server closed the connection")
            except cause:
                raise UpdateError() from None

        monkeypatch.setattr(request.session, "save", save)
        middleware = SessionMiddleware(lambda r: HttpResponse("ok"))
        if expected == 503:
            response = middleware.process_response(request, HttpResponse("ok"))
            assert response.status_code == 503 and UNAVAILABLE in response.content.decode()
        else:
            with pytest.raises(SessionInterrupted):
                middleware.process_response(request, HttpResponse("ok"))
