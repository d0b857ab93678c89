"""Every view declares how it is scoped; a test walks the URLconf and fails on any view
that does not (tests/foundation/test_scoping_declared.py). The declaration is the hook the
access-matrix test uses to know what answer to expect.

    @scoped("area")        fetches objects only through a visible_to(user)/get_*_for_user
    @scoped("own")         shows only the user's own things (inbox, password)
    @scoped("role")        no object, only role-checked (e.g. an intake form)
    @public                no login needed (login page, /healthz); also login_not_required
"""

from django.contrib.auth.decorators import login_not_required

SCOPES = {"area", "own", "role", "public"}


def scoped(how, *, model=None):
    if how not in SCOPES:
        raise ValueError(f"unknown scope {how!r}")

    def decorate(view):
        view.access_scope = how
        view.access_model = model
        return view

    return decorate


def public(view):
    view = login_not_required(view)
    view.access_scope = "public"
    view.access_model = None
    return view
