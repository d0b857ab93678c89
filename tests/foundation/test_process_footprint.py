"""Every gunicorn worker and Celery child starts with the whole app imported; what they load
before the first request is paid once per process. pypinyin's phrase dictionary is 57 MB, and
only the code that writes a household's search text needs it."""

import os
import subprocess
import sys

from django.conf import settings

from grids.textsearch import household_search_text

SCRIPT = """
import os, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as a web worker has them
from pingxiang.celery import app
app.loader.import_default_modules()  # every task module, as a Celery worker has them
print("pypinyin" in sys.modules)
"""


def test_web_and_worker_processes_do_not_load_the_pinyin_dictionary_at_start():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get(
        "DJANGO_SETTINGS_MODULE", "pingxiang.settings"))
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_search_text_still_holds_the_names_pinyin_initials():
    text = household_search_text("平襄镇城关村", "12号", ["王建国", "李长明"])
    assert "王建国 wjg" in text and "李长明 lzm" in text
