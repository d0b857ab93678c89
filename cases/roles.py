from pingxiang.roles import Role

_VIEW = ["cases.view_case"]
PERMISSIONS = {
    Role.ADMIN: ["cases.view_case", "cases.add_calendarday", "cases.change_calendarday",
                 "cases.delete_calendarday", "cases.view_calendarday", "cases.change_level",
                 "cases.view_level", "cases.add_category", "cases.change_category",
                 "cases.view_category", "cases.add_referralroute", "cases.change_referralroute",
                 "cases.delete_referralroute", "cases.view_referralroute",
                 "cases.change_policy", "cases.view_policy", "cases.export_case",
                 "cases.add_leveloverride", "cases.change_leveloverride",
                 "cases.delete_leveloverride", "cases.view_leveloverride"],
    Role.CENTRE_STAFF: _VIEW + ["cases.add_case", "cases.change_case", "cases.export_case",
                                "cases.view_calendarday"],
    Role.LEADER: _VIEW + ["cases.export_case"],
    Role.VILLAGE_CADRE: _VIEW + ["cases.add_case", "cases.change_case", "cases.export_case"],
    Role.GRID_WORKER: _VIEW + ["cases.add_case", "cases.change_case"],
    Role.SUPERVISOR: _VIEW,
}
