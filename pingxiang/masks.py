"""The one masking function per kind of personal data: ID number, phone, address, birth date.

Pages, partials, exports, audit rows and the admin all mask through these (grids.access.Masker
picks full or masked per viewer), so what a role sees on one screen cannot be combined with what
it sees on another to rebuild a number. tests/trust/test_mask_reconstruction.py checks that
property for every role and every page that shows a resident.
"""

import datetime as dt
import re


def mask_id_number(number):
    """62***************7: the province and the check digit only.

    An 18-digit number is region (1-6), birth date (7-14), sequence (15-17) and check digit (18);
    the region follows from the address and the birth year from the age shown next to it, so the
    mask must hide the month, day and sequence: that leaves ~16,000 candidates even to someone
    who also knows the sex, and the check digit shown cannot fill a gap of more than one digit."""
    number = (number or "").strip().upper()
    if len(number) < 6:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 3) + number[-1:]


def mask_phone(phone):
    """138****1234: the carrier prefix and the last four, as Chinese services show them."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


_HOUSE_NUMBER = re.compile(r"[0-9０-９]+")


def mask_address(address):
    """西关村高家庄社**号: village and 社 kept (they are on every list), house numbers hidden."""
    return _HOUSE_NUMBER.sub(lambda m: "*" * len(m.group()), (address or "").strip())


def mask_birth_date(day):
    """1981年: the birth year only (what an age already tells), never the month and day, which
    are digits 11-14 of the ID number."""
    if not isinstance(day, dt.date):
        return ""
    return f"{day.year}年"
