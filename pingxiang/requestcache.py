"""Reference data read once per request.

A case's page asks for the escalation ladder (cases.Level) five times and for the policy
row twice, from the functions that decide what the user may do; each was a query. Inside a
request, `memo(key, compute)` computes once and hands the same value back; outside one (a
task, a shell, a test calling an action) it computes every time. Nothing outlives the
request, so an administrator's edit shows on the next page at once. A sweeper's run is
such a scope too (pingxiang.timers): an escalation read the ladder six times a case."""

import contextlib
import contextvars

_MEMO = contextvars.ContextVar("pingxiang_request_memo", default=None)


def memo(key, compute):
    store = _MEMO.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


@contextlib.contextmanager
def scope():
    """Compute each key once inside the block (a request, or one run of a sweeper)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


class RequestCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope():
            return self.get_response(request)
