"""Which record each URL's ids point at, so the access matrix can build both the user's own
and another area's version of every URL."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# url name -> (record attribute on a place, extra kwargs); kwargs named pk take the record's
# pk; a second id (attachment_pk, agreement_pk) takes the second record's pk.
OBJECTS = {
    "grids:area_detail": ("village",),
    "grids:area_add": ("village",),
    "grids:area_rename": ("grid",),
    "grids:area_retire": ("grid",),
    "grids:household_move": ("household",),
    "grids:responsibilities": ("village",),
    "grids:responsibility_assign": ("village",),
    "grids:responsibility_end": ("village",),
    "grids:household_edit": ("household",),
    "grids:member_edit": ("resident",),
    "grids:person": ("resident",),
    "grids:key_place_edit": ("key_place",),
    "grids:key_person_edit": ("key_person",),
    "grids:campaign_edit": ("grid_campaign",),
    "grids:household_detail": ("household",),
    "grids:member_add": ("household",),
    "grids:household_flags": ("household",),
    "grids:visit_new": ("household",),
    "grids:key_person_new": ("household",),
    "grids:key_place_detail": ("key_place",),
    "grids:visit_new_place": ("key_place",),
    "grids:key_person_detail": ("key_person",),
    "grids:key_person_status": ("key_person",),
    "grids:visit_detail": ("visit",),
    "grids:visit_photo": ("visit",),
    "grids:visit_confirm_position": ("visit",),
    "grids:campaign_coverage": ("grid_campaign",),
    "cases:case_detail": ("case",),
    "cases:case_action": ("case",),
    "cases:case_action_form": ("case",),
    "cases:case_referral": ("case",),
    "cases:case_attachments": ("case",),
    "cases:case_attach": ("case",),
    "cases:attachment_download": ("case", "case_attachment"),
    "cases:agreement_print": ("case", "agreement"),
    "petitions:detail": ("petition",),
    "petitions:letter": ("petition",),
    "petitions:take": ("petition",),
    "petitions:to_case": ("petition",),
    "petitions:action": ("petition",),
    "petitions:attachment": ("petition", "petition_attachment"),
    "petitions:reception_detail": ("reception",),
    "rectification:campaign_detail": ("rx_campaign",),
    "rectification:inspection_detail": ("inspection",),
    "rectification:hazard_detail": ("hazard",),
    "rectification:hazard_assign": ("hazard",),
    "rectification:hazard_progress": ("hazard",),
    "rectification:hazard_submit": ("hazard",),
    "rectification:hazard_verify": ("hazard",),
    "rectification:hazard_close": ("hazard",),
    "rectification:hazard_correct": ("hazard",),
    "rectification:hazard_withdraw": ("hazard",),
    "rectification:hazard_photo_add": ("hazard",),
    "rectification:hazard_photo": ("hazard_photo",),
    "rectification:team_detail": ("team",),
    "rectification:team_member_add": ("team",),
    "rectification:round_detail": ("round",),
    "rectification:visit_detail": ("sv_visit",),
    "rectification:issue_create": ("sv_visit",),
    "rectification:issue_export": ("sv_visit",),
    "rectification:issue_detail": ("issue",),
    "rectification:issue_assign": ("issue",),
    "rectification:issue_report": ("issue",),
    "rectification:issue_recheck": ("issue",),
    "rectification:issue_close": ("issue",),
    "rectification:issue_evidence_add": ("issue",),
    "rectification:evidence_file": ("evidence",),
    "rectification:centre_detail": ("centre",),
    "rectification:centre_checks": ("centre",),
    "rectification:centre_upgrade": ("centre",),
    "rectification:centre_demonstration": ("centre",),
    "rectification:centre_photo_add": ("centre",),
    "rectification:centre_photo": ("centre_photo",),
    "dashboard_report": ("period_report",),
    "dashboard_report_download": ("period_report",),
    "rectification:hazard_notice": ("hazard",),
    "rectification:issue_notice": ("issue",),
    "cases:case_notice": ("case",),
    "petitions:notice": ("petition",),
}
# Slugs for URLs with an action segment; (name, value) for a segment named otherwise.
SLUGS = {"cases:case_action": "escalate", "cases:case_action_form": "escalate",
         "petitions:action": "decide", "rectification:issue_notice": ("kind", "assign"),
         "petitions:notice": ("kind", "accept")}
# Other fixed path values (one kind of import stands for all: grids.imports specs).
KWARGS = {"grids:import_kind": {"kind": "key_persons"},
          "grids:import_kind_template": {"kind": "key_persons"}}


def iter_named_patterns(resolver=None, ns="", prefix=""):
    """(name with namespace, route, pattern) for every URL outside the Django admin."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            sub = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from iter_named_patterns(entry, sub, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield f"{ns}{entry.name}", prefix + str(entry.pattern), entry


def url_for(name, place, *, second_from=None):
    """The URL `name` pointing at `place`'s records; second_from takes the second id from
    another place (own case, foreign attachment)."""
    spec = OBJECTS.get(name)
    kwargs = {}
    if spec:
        first = getattr(place, spec[0])
        kwargs["pk"] = first.pk
        if len(spec) > 1:
            second = getattr(second_from or place, spec[1])
            key = {"case_attachment": "attachment_pk", "petition_attachment": "attachment_pk",
                   "agreement": "agreement_pk"}[spec[1]]
            kwargs[key] = second.pk
    if name in SLUGS:
        slug = SLUGS[name]
        key, value = slug if isinstance(slug, tuple) else ("action", slug)
        kwargs[key] = value
    kwargs.update(KWARGS.get(name, {}))
    return reverse(name, kwargs=kwargs)
