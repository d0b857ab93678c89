"""Default statutory time limits (信访工作条例, 2022; calendar days) and categories.
Administrators edit them in the admin afterwards; this runs only once."""

from django.db import migrations

LIMITS = [
    ("decide", 15, 3, "第二十二条、第二十三条：15日内登记、受理并告知"),
    ("handle", 60, 7, "第三十四条：自受理之日起60日内办结"),
    ("extend", 30, 0, "第三十四条：经负责人批准可延长，不超过30日，并告知信访人"),
    ("review_request", 30, 0, "第三十五条：收到书面答复之日起30日内请求复查"),
    ("review_answer", 30, 5, "第三十五条：收到复查请求之日起30日内提出复查意见"),
    ("recheck_request", 30, 0, "第三十六条：收到复查意见之日起30日内请求复核"),
    ("recheck_answer", 30, 5, "第三十六条：收到复核请求之日起30日内提出复核意见"),
]

CATEGORIES = ["城乡建设", "土地征收", "农村农业", "劳动社保", "民政救助", "教育卫生", "交通运输",
              "生态环境", "政法（涉法涉诉）", "纪检监察", "矛盾纠纷", "咨询建议", "其他"]


def forwards(apps, schema_editor):
    TimeLimit = apps.get_model("petitions", "TimeLimit")
    Category = apps.get_model("petitions", "Category")
    for code, days, remind, basis in LIMITS:
        TimeLimit.objects.get_or_create(
            code=code, defaults={"days": days, "remind_days_before": remind, "basis": basis})
    for order, name in enumerate(CATEGORIES):
        Category.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
