"""The one place a user-supplied URL (``next``, a Referer) becomes a redirect or a link.

Every view that reads ``next`` (from POST or GET) goes through ``safe_next``, so an attacker's link
cannot turn a form of ours into a bounce to their site: only paths on this host (and this host's
scheme, https when the request is) are followed; anything else falls back to the view's default.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_url(request, url, default):
    """`url` if it points into this site, else `default`."""
    if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default


def safe_next(request, default):
    """The ``next`` parameter of the request if it points into this site, else ``default``."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next") or "", default)
