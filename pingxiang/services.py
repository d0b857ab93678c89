"""Supervisor for `make run` and `make test`.

    python -m pingxiang.services exec -- CMD ...   run one command with the services up
    python -m pingxiang.services run               migrate, seed the demo town, serve

Services named by DATABASE_URL / REDIS_URL are used as they are. When a variable is
not set, the embedded server is started here and its URL exported to the children; this
process owns the servers, so they stop when it exits (Ctrl-C included). A bare `manage.py`
runs itself again under `exec`; settings.py starts nothing.
"""

import os
import signal
import subprocess
import sys
import time

from pingxiang.embedded import BASE_DIR, VAR_DIR, start_postgres, start_redis

_handles = []  # keep embedded servers alive for as long as this process runs

# `make run`'s one worker: no --kinds, so it takes every queue (settings.TASK_QUEUES).
WORKER_ARGS = ["worker", "--loglevel=INFO", "--concurrency=2"]


def ensure_services():
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        handle, url = start_postgres()
        _handles.append(handle)
        env["DATABASE_URL"] = url
        print(f"[services] embedded PostgreSQL: {url}", file=sys.stderr, flush=True)
    if not env.get("REDIS_URL"):
        handle, url = start_redis()
        _handles.append(handle)
        env["REDIS_URL"] = url
        print(f"[services] embedded Redis: {url}", file=sys.stderr, flush=True)
    env.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
    return env


def _python():
    return sys.executable


def cmd_exec(argv, cwd=BASE_DIR):
    env = ensure_services()
    proc = subprocess.Popen(argv, env=env, cwd=cwd)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C in a terminal reached the child too (same process group): it decides
            # whether to stop (a shell does not); the services stay up until it has.
            pass


def cmd_run():
    env = ensure_services()
    env.setdefault("DEBUG", "true")
    manage = [_python(), str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True)
    subprocess.run([*manage, "demo_logins"], env=env, check=False)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    celery = [_python(), "-m", "celery", "-A", "pingxiang"]
    commands = [
        [*manage, "runserver", "127.0.0.1:8000", "--noreload"],
        [*celery, *WORKER_ARGS],
        [*celery, "beat", "--loglevel=INFO", f"--schedule={VAR_DIR / 'celerybeat-schedule'}"],
    ]
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    children = []
    try:
        for command in commands:
            children.append(subprocess.Popen(command, env=env))
        print("\nPingxiang: http://127.0.0.1:8000  (Ctrl-C stops everything)\n",
              flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        # Ctrl-C in a terminal already reached every child (same process group): give them
        # time to finish cleanly before asking again with SIGTERM, then SIGKILL.
        _stop(children)
        print("[services] stopped", flush=True)
    return 0


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_all(children, seconds):
    deadline = time.monotonic() + seconds
    for child in children:
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass


def _stop(children):
    _wait_all(children, 10)
    for child in children:
        if child.poll() is None:
            child.terminate()
    _wait_all(children, 10)
    for child in children:
        if child.poll() is None:
            child.kill()


def main(argv):
    # A shell that started us in the background may have left SIGINT ignored; children
    # would inherit that. Restore the default so Ctrl-C reaches this process and its children.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if argv[:1] == ["exec"]:
        rest = argv[1:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if not rest:
            sys.exit("usage: python -m pingxiang.services exec -- CMD ...")
        return cmd_exec(rest)
    if argv[:1] == ["run"]:
        return cmd_run()
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
