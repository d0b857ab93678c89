"""The outbox in the one deadline sweep (pingxiang.timers, every minute): stale claims
released, deliveries interrupted while sending marked unknown, the morning digest built, and
what is due handed to the queue. The beat also runs it every 15 s (messaging.tasks.dispatch_due)
so a retry's backoff or a rate window does not wait for the next minute."""

from messaging.tasks import run_dispatch
from pingxiang.timers import sweeper


@sweeper("messaging.dispatch")
def dispatch_messages(now):
    return run_dispatch(now)
