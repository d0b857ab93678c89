"""The contact book the people pages (grids) read and write through pingxiang.registry:
a person's 企业微信 account and mobile number live in messaging.Contact, and only there."""

from django.core.exceptions import ValidationError

from messaging.actions import save_settings
from messaging.models import Contact, validate_mobile
from pingxiang.personal import normalise_phone


def read(users):
    """{user pk: (wecom_userid, mobile)} for the given users (one query)."""
    ids = [u.pk for u in users]
    return {user_id: (wecom, mobile) for user_id, wecom, mobile in
            Contact.objects.filter(user_id__in=ids).values_list("user_id", "wecom_userid",
                                                                 "mobile")}


def write(user, *, actor, wecom_userid, mobile):
    """Store the two, audited by messaging's own action. `mobile` None keeps the stored
    number. A bad value raises ValidationError keyed by the people form's field names."""
    if mobile:
        try:
            mobile = normalise_phone(mobile)
            validate_mobile(mobile)
        except ValidationError as exc:
            raise ValidationError({"mobile": exc.messages}) from exc
    contact = Contact.objects.filter(user=user).first()
    try:
        save_settings(user, actor=actor, wecom_userid=wecom_userid or "", mobile=mobile,
                      sms_fallback=contact.sms_fallback if contact else True, choices={})
    except ValidationError as exc:
        errors = getattr(exc, "error_dict", None)
        if errors:
            raise ValidationError({("wecom_userid" if k == "wecom_userid" else "mobile"): v
                                   for k, v in errors.items()}) from exc
        raise
