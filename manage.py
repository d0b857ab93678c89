#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        # A bare `./manage.py shell`: run this same command under the supervisor of
        # `make run`, which starts the services (embedded when no URL is given), hands
        # their URLs to the command and stops them when it ends.
        from pingxiang.services import cmd_exec

        sys.exit(cmd_exec([sys.executable, *sys.argv], cwd=None))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
