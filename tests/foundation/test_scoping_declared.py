"""Deny by default: every view reachable from the URLconf declares how it is scoped.
A new view without @scoped/@public fails here (the access-matrix test builds on this)."""

from django.urls import URLPattern, URLResolver, get_resolver

from pingxiang.access import SCOPES


def iter_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the Django admin checks its own permissions (is_staff + perms)
            yield from iter_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_every_view_declares_its_scope():
    missing = []
    for route, pattern in iter_patterns():
        view = pattern.callback
        scope = getattr(view, "access_scope", None)
        if scope is None and hasattr(view, "view_class"):
            scope = getattr(view.view_class, "access_scope", None)
        if scope not in SCOPES:
            missing.append(route)
    assert not missing, f"views without a declared scope: {missing}"


def test_only_login_and_healthz_are_public():
    """And the two files a phone keeps for working offline (issue 21), which hold nothing of
    any user: the service worker and its stand-in page (tests/trust/test_access_matrix.py
    checks that they read the same for everybody)."""
    public = sorted(route for route, p in iter_patterns()
                    if getattr(p.callback, "access_scope", None) == "public")
    assert public == ["account/login/", "healthz", "offline/", "sw.js"]
