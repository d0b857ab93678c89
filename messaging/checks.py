"""Configuration a county gets wrong quietly: 企业微信 on without SITE_URL, so messages
carry no link back to the record (a robot's key missing from WECOM_ROBOT_KEYS shows in the
admin's robot list and as the delivery's error)."""

from django.conf import settings
from django.core.checks import Warning, register

from messaging import config


@register()
def messaging_configuration(app_configs=None, **kwargs):
    if (config.wecom_enabled() or config.robots_enabled()) and not settings.SITE_URL:
        return [Warning("SITE_URL 未设置：企业微信消息里没有返回平台的链接。",
                        hint="设置 SITE_URL=https://平台域名（docs/operations.md）。",
                        id="messaging.W001")]
    return []
