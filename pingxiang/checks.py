from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def check_secret_key_is_not_development_key(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development key.",
                hint="Set SECRET_KEY in the environment (.env) to a long random value.",
                id="pingxiang.E001",
            )
        ]
    return []


def refuse_development_key_in_production():
    """A web process with DEBUG off must not run on the published development key."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: a production web process will not start on the "
            "development key. Set SECRET_KEY (or DEBUG=true on a development machine)."
        )
