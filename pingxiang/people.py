"""How a person (a Django user) is named on pages: 张明, family name first as Chinese
writes it; the login name when no name was entered."""


def full_name(last_name, first_name):
    """张明 from the two name columns (either may be empty or None)."""
    return f"{last_name or ''}{first_name or ''}".strip()


def display_name(user):
    """{{ user|display_name }} (pingxiang_tags): the one way a page names a user."""
    if user is None:
        return ""
    return full_name(user.last_name, user.first_name) or user.get_username()


def name_and_login(user):
    """张明（zhangming）: how a picker tells apart two people of the same name."""
    name = display_name(user)
    return name if name == user.get_username() else f"{name}（{user.get_username()}）"
