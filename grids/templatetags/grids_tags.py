from django import template

register = template.Library()


@register.filter
def id_for(number, mask):
    """{{ resident.id_number|id_for:mask }}: full or 62***************7 by the viewer's role."""
    return mask.id(number)


@register.filter
def phone_for(phone, mask):
    return mask.phone(phone)


@register.filter
def birth_for(day, mask):
    """{{ resident.birth_date|birth_for:mask }}: 1981-03-09, or 1981年 where the ID is masked."""
    return mask.birth(day)
