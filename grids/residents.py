"""一人一档: find a resident by ID number or create them; warn about likely duplicates."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from grids.idcard import birth_date_of, sex_of, validate_id_number
from grids.models import Resident
from pingxiang import audit
from pingxiang.bulk import copy_insert


@dataclass
class ResidentMatch:
    resident: Resident
    created: bool
    possible_duplicates: list = field(default_factory=list)


def similar_residents(name, phone, *, exclude=None):
    """People with the same name and phone and no way to tell them apart."""
    if not name or not phone:
        return []
    qs = Resident.objects.filter(name=name.strip(), phone=phone.strip())
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs[:5])


def find_or_create_resident(*, name, id_number="", phone="", area=None, actor=None):
    """The one way to get a Resident for a person named on a form.

    With an ID number: the existing record for that number, or a new one (name, sex and
    birth date taken from it). Without one: a new record, plus a warning listing records
    with the same name and phone so the user can pick the existing person instead.
    Raises django ValidationError for a malformed ID number.
    """
    name = (name or "").strip()
    phone = (phone or "").strip()
    if id_number:
        number = validate_id_number(id_number)
        existing = Resident.objects.filter(id_number=number).first()
        if existing:
            return ResidentMatch(existing, created=False)
        try:
            with transaction.atomic():
                resident = Resident.objects.create(
                    name=name, id_number=number, phone=phone, area=area,
                    sex=sex_of(number), birth_date=birth_date_of(number),
                )
        except IntegrityError:  # created by someone else a moment ago
            return ResidentMatch(Resident.objects.get(id_number=number), created=False)
        audit.record(resident, actor=actor, action="resident.create", action_label="建档")
        return ResidentMatch(resident, created=True)
    duplicates = similar_residents(name, phone)
    resident = Resident.objects.create(name=name, phone=phone, area=area)
    audit.record(resident, actor=actor, action="resident.create", action_label="建档")
    return ResidentMatch(resident, created=True, possible_duplicates=duplicates)


def find_or_create_residents(people, *, actor=None):
    """find_or_create_resident for many people with ID numbers at once (imports of
    thousands of rows): {ID number: Resident}. `people` are dicts name/id_number/phone/area;
    the first one naming a number gives the new record's name, phone and area. The records
    on file are read in one query; the new ones are created in batches, with one audit row
    each. Raises ValidationError for a malformed ID number."""
    wanted = {}
    for person in people:
        wanted.setdefault(validate_id_number(person["id_number"]), person)
    found = {r.id_number: r for r in Resident.objects.filter(id_number__in=list(wanted))}
    new = [Resident(name=(p.get("name") or "").strip(), id_number=number,
                    phone=(p.get("phone") or "").strip(), area=p.get("area"),
                    sex=sex_of(number), birth_date=birth_date_of(number))
           for number, p in wanted.items() if number not in found]
    try:
        with transaction.atomic():
            copy_insert(new)
    except IntegrityError:  # someone registered one of them a moment ago: one by one
        return {number: find_or_create_resident(actor=actor, **p).resident
                for number, p in wanted.items()}
    audit.record_many([(r, "") for r in new], actor=actor, action="resident.create",
                      action_label="建档", data={"import": True})
    found.update((r.id_number, r) for r in new)
    return found
