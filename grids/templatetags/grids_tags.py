from django import template

register = template.Library()


@register.filter
def id_for(number, mask):
    """{{ resident.id_number|id_for:mask }}: full or 620000********1234 by the viewer's role."""
    return mask.id(number)


@register.filter
def phone_for(phone, mask):
    return mask.phone(phone)
