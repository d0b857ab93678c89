from django.apps import AppConfig

from pingxiang.registry import contact_book, on_notify


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "消息推送（企业微信、短信）"

    def ready(self):
        # lazy: the outbox needs the models, loaded once the app registry is ready
        from messaging import (
            checks,  # noqa: F401  (registers the configuration checks)
            contacts,
        )
        from messaging.outbox import write_deliveries  # lazy: as above

        # Every in-app notification passes through here, inside its own transaction.
        on_notify(write_deliveries)
        # The people pages (grids) keep a person's mobile and 企业微信 account here.
        contact_book(read=contacts.read, write=contacts.write)
