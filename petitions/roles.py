from pingxiang.roles import Role

PERMISSIONS = {
    Role.ADMIN: ["petitions.view_timelimit", "petitions.change_timelimit",
                 "petitions.view_category", "petitions.add_category",
                 "petitions.change_category", "petitions.view_receptionday"],
    Role.CENTRE_STAFF: ["petitions.view_petition", "petitions.export_petition"],
    Role.LEADER: ["petitions.view_petition", "petitions.export_petition"],
}
