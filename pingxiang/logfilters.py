"""Logging filters named in settings.LOGGING."""

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A 403 is an everyday answer (a user followed a link to what they may not open), not a
    fault: Django's django.request logger writes it with the PermissionDenied's traceback,
    twenty lines per refusal. Keep the one line (status, path) and drop the traceback."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
