"""The service worker's settings (issue 21 §1): the app shell it caches at install, the pages
it keeps a copy of, and its version. The worker itself is templates/offline/sw.js, served
from the site root by pingxiang.views.service_worker so that its scope is the whole site."""

import functools
import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import reverse

# Everything a page of the grid worker loads (base.html, the visit form); htmx is
# django-htmx's copy, as {% htmx_script %} writes it.
SHELL_FILES = ["css/app.css", "css/phone.css", "js/app.js", "js/offline.js",
               "js/offline-queue.js", "js/geo.js", "img/favicon.svg", "grids/grids.css",
               "grids/visit-form.js", "django_htmx/htmx-2.min.js"]
# The pages kept for working offline (grids.offline lists which of them to fetch): URL names
# and whether they take an id.
KEPT_PAGES = [("home", False), ("grids:worklist", False), ("grids:household_detail", True),
              ("grids:visit_new", True), ("grids:visit_new_place", True)]


def _file_bytes(name):
    """A static file's content, wherever it is (collected, or in an app's static folder)."""
    path = finders.find(name)
    if not path and staticfiles_storage.exists(name):
        path = staticfiles_storage.path(name)
    if not path:
        return name.encode()
    with open(path, "rb") as fh:
        return fh.read()


@functools.lru_cache(maxsize=1)
def settings_for_worker():
    """What templates/offline/sw.js is rendered with (once per process: static files do not
    change while it runs). The version moves with the shell's content, so a deploy with new
    styles or scripts installs a new shell."""
    urls = [static(name) for name in SHELL_FILES]
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update(_file_bytes(name))
    patterns = []
    for name, with_id in KEPT_PAGES:
        path = reverse(name, args=[0]) if with_id else reverse(name)
        patterns.append("^" + re.escape(path).replace("/0/", r"/\d+/") + "$")
    return {
        "version": digest.hexdigest()[:16],
        "shell_urls": json.dumps(urls),
        "queue_script": static("js/offline-queue.js"),
        "offline_url": reverse("offline"),
        "static_prefix": settings.STATIC_URL,  # static("") has no manifest entry
        "keep_patterns": json.dumps(patterns),
        # POSTs after which no kept page may be answered (another user, another post); the
        # login page first: a redirect to it means the session ended.
        "wipe_on": json.dumps([reverse("login"), reverse("logout"), reverse("switch_role")]),
        "session_ms": settings.SESSION_COOKIE_AGE * 1000,
    }
