"""Which channels this installation has, read from settings (the environment) each time, so a
deployment turns a channel on by setting its variables and tests point them at local servers."""

from django.conf import settings

from messaging.models import Channel


def wecom_enabled():
    return bool(settings.WECOM_CORP_ID and settings.WECOM_AGENT_ID and settings.WECOM_SECRET)


def sms_enabled():
    return bool(settings.SMS_BACKEND)


def robot_key(name):
    """The webhook key of a group robot by the name an administrator gave it, or ""."""
    return settings.WECOM_ROBOT_KEYS.get(name, "")


def robots_enabled():
    return bool(settings.WECOM_ROBOT_KEYS)


def enabled(channel):
    return {Channel.WECOM: wecom_enabled, Channel.SMS: sms_enabled,
            Channel.ROBOT: robots_enabled}[Channel(channel)]()


def any_enabled():
    return wecom_enabled() or sms_enabled() or robots_enabled()


def http_timeout():
    return settings.MESSAGING_HTTP_TIMEOUT_MS / 1000


def absolute_url(path):
    """A link back into the app for a message read on a phone: SITE_URL + path."""
    if not path or path.startswith(("http://", "https://")):
        return path
    base = settings.SITE_URL.rstrip("/")
    return f"{base}{path}" if base else path
