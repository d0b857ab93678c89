"""One interface for every channel: a backend takes a Message and answers with a Result,
never an exception. The delivery loop (messaging.sending) decides what the Result means for
the row: sent, try again later, failed (then the next channel), or unknown.

A county that sends SMS through its own 政务短信 gateway writes a class with the same
`send(message) -> Result` and sets SMS_BACKEND to its dotted path (docs/operations.md)."""

from django.conf import settings
from django.utils.module_loading import import_string

from messaging import config
from messaging.backends.base import Backend, Message, Outcome, Result, clip, clip_chars
from messaging.backends.robot import WeComRobot
from messaging.backends.sms_aliyun import AliyunSms
from messaging.backends.wecom import WeComApp
from messaging.models import Channel

__all__ = ["Backend", "Message", "Outcome", "Result", "backend_for", "clip", "clip_chars"]

SMS_BACKENDS = {"aliyun": AliyunSms}


def backend_for(channel):
    """The configured backend for a channel, or None when the channel is off."""
    channel = Channel(channel)
    if not config.enabled(channel):
        return None
    if channel == Channel.WECOM:
        return WeComApp()
    if channel == Channel.ROBOT:
        return WeComRobot()
    name = settings.SMS_BACKEND
    cls = SMS_BACKENDS.get(name) or import_string(name)  # a county's own: a dotted path
    return cls()
