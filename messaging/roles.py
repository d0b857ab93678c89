from pingxiang.roles import Role

# The 系统管理员 sets the policy, the kinds and the work-group robots in the admin; people's
# own settings and the failures page are views (messaging.access), not admin permissions.
PERMISSIONS = {
    Role.ADMIN: [
        "messaging.view_messagingpolicy", "messaging.change_messagingpolicy",
        "messaging.view_kindrule", "messaging.change_kindrule",
        "messaging.view_grouprobot", "messaging.add_grouprobot",
        "messaging.change_grouprobot", "messaging.delete_grouprobot",
        "messaging.view_digestrun",
    ],
}
