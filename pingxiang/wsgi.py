import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
application = get_wsgi_application()

from pingxiang.checks import refuse_development_key_in_production  # noqa: E402

refuse_development_key_in_production()
