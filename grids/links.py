"""Links from a visit finding into the other apps' intake forms. Plain strings on purpose:
the cases and rectification apps own those pages (contract in the grids issue); the finding
is recorded on the visit whether or not the link is followed."""

from urllib.parse import urlencode

from grids.models import Visit

CASE_NEW = "/cases/new/"
HAZARD_NEW = "/rectification/hazards/new/"


def dispute_case_href(visit, party_ids=()):
    params = [("source", "visit"), ("visit", visit.pk), ("area", visit.area_id),
              ("description", visit.notes or visit.findings_text)]
    params += [("party", pk) for pk in party_ids]
    return f"{CASE_NEW}?{urlencode(params)}"


def hazard_href(visit):
    params = [("source", "visit"), ("visit", visit.pk), ("area", visit.area_id),
              ("description", visit.notes or visit.findings_text)]
    if visit.key_place_id:
        params.append(("place", visit.key_place_id))
    return f"{HAZARD_NEW}?{urlencode(params)}"


def follow_up_links(visit, party_ids=()):
    """[(label, href)] for the findings that open a record in another app."""
    links = []
    if Visit.Finding.DISPUTE in visit.findings:
        links.append(("登记矛盾纠纷", dispute_case_href(visit, party_ids)))
    if Visit.Finding.HAZARD in visit.findings:
        links.append(("登记安全隐患", hazard_href(visit)))
    return links
