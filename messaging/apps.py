from django.apps import AppConfig

from pingxiang.registry import on_notify


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "消息推送（企业微信、短信）"

    def ready(self):
        # lazy: the outbox needs the models, loaded once the app registry is ready
        from messaging import checks  # noqa: F401  (registers the configuration checks)
        from messaging.outbox import write_deliveries

        # Every in-app notification passes through here, inside its own transaction.
        on_notify(write_deliveries)
