"""The one place a user-supplied ``next`` becomes a redirect target.

Every view that reads ``next`` (from POST or GET) goes through ``safe_next``, so an attacker's link
cannot turn a form of ours into a bounce to their site: only paths on this host (and this host's
scheme, https when the request is) are followed; anything else falls back to the view's default.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default):
    """The ``next`` parameter of the request if it points into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default
