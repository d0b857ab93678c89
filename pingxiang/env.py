"""Typed readers for settings taken from the environment.

Each helper returns a value of one type or raises ImproperlyConfigured naming the variable,
the bad value and what would have been accepted, so a typo in a deployment's .env stops
the process at start-up with a message instead of misbehaving later.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


def _raw(name, environ):
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    return None if value is None else value.strip()


def env_str(name, default=_UNSET, *, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name, default=False, *, environ=None):
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={value!r} is not a boolean; use one of "
        f"{sorted(_TRUE)} or {sorted(_FALSE - {''})}."
    )


def env_int(name, default=_UNSET, *, min_value=None, max_value=None, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not a whole number."
        ) from None
    if min_value is not None and number < min_value:
        raise ImproperlyConfigured(f"Environment variable {name}={number} is below {min_value}.")
    if max_value is not None and number > max_value:
        raise ImproperlyConfigured(f"Environment variable {name}={number} is above {max_value}.")
    return number


def env_list(name, default=(), *, environ=None):
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} has an empty item; "
            "separate values with single commas."
        )
    return items


def env_url(name, default=_UNSET, *, schemes, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        raise ImproperlyConfigured(
            f"Environment variable {name} has scheme {parsed.scheme!r}; "
            f"expected one of {', '.join(schemes)}."
        )
    if parsed.scheme in ("unix", "redis+socket"):
        if not parsed.path:
            raise ImproperlyConfigured(f"Environment variable {name} names no socket path.")
    elif not parsed.hostname and "host=" not in parsed.query:
        raise ImproperlyConfigured(f"Environment variable {name} names no host.")
    return value


def env_path(name, default, *, environ=None):
    value = _raw(name, environ)
    path = value if value else str(default)
    if not os.path.isabs(path):
        raise ImproperlyConfigured(
            f"Environment variable {name}={path!r} must be an absolute path."
        )
    return path


def parse_database_url(url, *, name="DATABASE_URL"):
    """postgres://user:pass@host:port/db (or ?host=/socket/dir) -> Django DATABASES entry."""

    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"{name} must be a postgres:// URL (PostgreSQL is the only database engine); "
            f"got scheme {parsed.scheme!r}."
        )
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    db_name = unquote(parsed.path.lstrip("/"))
    if not host:
        raise ImproperlyConfigured(f"{name} names no host (give host:port or ?host=/socket/dir).")
    if not db_name:
        raise ImproperlyConfigured(f"{name} names no database (add /dbname to the URL).")
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parsed.username or "postgres"),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
    }


def celery_broker_url(redis_url):
    """Kombu spells a Redis unix socket redis+socket://; redis-py spells it unix://. A
    socket's database is ?db=N to redis-py and ?virtual_host=N to Kombu (which reads no
    db= there: the broker would sit in database 0 while the cache uses N)."""
    if redis_url.startswith("unix://"):
        path, _, query = redis_url[len("unix://"):].partition("?")
        params = parse_qs(query)
        db = params.pop("db", None)
        if db:
            params["virtual_host"] = db
        query = "&".join(f"{k}={v}" for k, values in params.items() for v in values)
        return "redis+socket://" + path + (f"?{query}" if query else "")
    return redis_url
