"""What a page shows of a recorded position (issue 21 §3), for templates/includes/position.html.

Positions are personal data: only the roles in grids.access.POSITION_ROLES over the record's
area get anything; the others get None, so the template has nothing to hide."""

from grids.access import can_see_positions
from pingxiang.geo import map_tiles, position_of


def shown_position(user, record, *, area, subject=None, confirm_url=None):
    """Where `record` (a visit, hazard or case with latitude/longitude/accuracy) was made,
    the confirmed reference position of `subject` (a household or key place) and the distance
    between; `confirm_url` when the record's position may be taken as the subject's reference.
    None for a user who may not see positions over `area`."""
    if not can_see_positions(user, area):
        return None
    here = position_of(record)
    reference = position_of(subject, "ref_") if subject is not None else None
    return {"here": here, "reference": reference, "subject": subject,
            "subject_word": "户" if getattr(subject, "house_number", None) else "场所",
            "distance": here.distance_to(reference) if here else None,
            "map": map_tiles(here),
            "confirm_url": confirm_url if here is not None and here != reference else None}


def shown_reference(user, subject, *, empty):
    """A household's or key place's confirmed reference position (None for the roles that
    may not see positions)."""
    if not can_see_positions(user, subject.grid):
        return None
    reference = position_of(subject, "ref_")
    return {"here": reference, "map": map_tiles(reference), "empty": empty,
            "confirmed_at": subject.ref_confirmed_at, "confirmed_by": subject.ref_confirmed_by}
