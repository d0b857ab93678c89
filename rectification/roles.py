from pingxiang.roles import Role

_REF = ["rectification.view_hazardcategory", "rectification.view_issuecategory",
        "rectification.view_standarditem"]

PERMISSIONS = {
    Role.ADMIN: _REF + [
        "rectification.add_hazardcategory", "rectification.change_hazardcategory",
        "rectification.add_issuecategory", "rectification.change_issuecategory",
        "rectification.add_standarditem", "rectification.change_standarditem",
        "rectification.view_policy", "rectification.change_policy",
        "rectification.view_hazard", "rectification.view_issueitem",
        "rectification.view_centre", "rectification.view_campaign",
    ],
    Role.CENTRE_STAFF: _REF + ["rectification.view_hazard", "rectification.change_hazard"],
    Role.LEADER: _REF + ["rectification.view_hazard"],
    Role.SUPERVISOR: _REF + ["rectification.view_issueitem", "rectification.change_issueitem"],
}
