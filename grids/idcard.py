"""Resident ID numbers (GB 11643-1999). Their masking is pingxiang.masks.mask_id_number."""

import datetime as dt
import re

from django.core.exceptions import ValidationError

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17):
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(value):
    return (value or "").strip().upper().replace(" ", "")


def birth_date_of(number):
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex_of(number):
    return "男" if int(number[16]) % 2 else "女"


def validate_id_number(value, *, today=None):
    """Raise ValidationError (in Chinese) unless value is a well-formed 18-digit ID number."""
    number = normalise(value)
    if not _PATTERN.match(number):
        raise ValidationError("身份证号应为18位：前17位是数字，最后一位是数字或X。",
                              code="id_format")
    born = birth_date_of(number)
    today = today or dt.date.today()
    if born is None or born > today or born.year < 1900:
        raise ValidationError("身份证号中的出生日期（第7-14位）不是有效日期。", code="id_birth")
    if check_digit(number[:17]) != number[17]:
        raise ValidationError("身份证号校验位不正确，请核对是否输错。", code="id_check")
    return number
