#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        # A bare `./manage.py shell`: the services `make run` would use (the embedded ones
        # when no URL is given), started here and kept for as long as this command runs.
        from pingxiang.services import ensure_services

        os.environ.update(ensure_services())
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
