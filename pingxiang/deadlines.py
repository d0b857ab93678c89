"""One way to state a deadline, for pages, lists, notifications and audit reasons alike.

Deadlines are instants. Most are "by the end of a day" and are stored either as the next
local midnight (cases: 2026-12-08 00:00) or as the day's last second (petitions:
2026-12-07 23:59:59). Shown raw, the first read "2026-12-08 00:00前" on the case page while
the notification said "2026-12-07前办结": one deadline, two dates. Here an end-of-day
deadline is written as its last day at 24:00 ("2026-12-07 24:00"), which cannot be misread
as either the 7th's morning or the 8th; any other instant is written with its minute.
Callers add the verb: f"请在{deadline_text(d)}前办结", {{ case.deadline|deadline }}前."""

import datetime as dt

from django.utils import timezone


def deadline_text(at, default=""):
    """2026-12-07 24:00 for a deadline at the end of the 7th (stored as the 8th's midnight
    or as 23:59 or later on the 7th); 2026-12-07 15:30 for any other instant; a date means
    through that day."""
    if at is None:
        return default
    if not isinstance(at, dt.datetime):
        return f"{at:%Y-%m-%d} 24:00"
    local = timezone.localtime(at)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{local.date() - dt.timedelta(days=1):%Y-%m-%d} 24:00"
    if (local.hour, local.minute) == (23, 59):
        return f"{local:%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
