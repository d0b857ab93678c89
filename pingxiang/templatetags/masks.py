"""{{ number|mask_id_number }}, {{ phone|mask_phone }}: pingxiang.masks for a page that always
shows numbers masked, whoever reads it. Pages whose readers differ use grids.access.Masker."""

from django import template

from pingxiang import masks

register = template.Library()
register.filter("mask_id_number", masks.mask_id_number)
register.filter("mask_phone", masks.mask_phone)
register.filter("mask_address", masks.mask_address)
