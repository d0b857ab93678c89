"""The app's URLconf; with BENCH_FLOOR=1 also /bench/floor/, the framework floor."""

import os

from django.urls import path

from pingxiang.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401

if os.environ.get("BENCH_FLOOR") == "1":
    from bench.views import floor

    urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *urlpatterns]
