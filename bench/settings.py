"""Settings for the benchmark server: the app's settings, plus the floor view's URL."""

from pathlib import Path

from pingxiang.settings import *  # noqa: F403
from pingxiang.settings import TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0].get("DIRS", []), Path(__file__).parent / "templates"]
