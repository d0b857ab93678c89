from pingxiang.roles import Role

PERMISSIONS = {
    Role.ADMIN: ["petitions.view_timelimit", "petitions.change_timelimit",
                 "petitions.view_category", "petitions.add_category",
                 "petitions.change_category", "petitions.view_receptionday",
                 # The platform work orders' number formats (issue 20 §4) are data too.
                 "petitions.view_platformformat", "petitions.add_platformformat",
                 "petitions.change_platformformat"],
    Role.CENTRE_STAFF: ["petitions.view_petition", "petitions.export_petition"],
    Role.LEADER: ["petitions.view_petition", "petitions.export_petition"],
}
