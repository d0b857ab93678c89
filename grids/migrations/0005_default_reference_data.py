"""Default household tags and key-person categories (../shared/domain.md §5.5).
Administrators edit them in the admin afterwards; this only fills an empty table."""

from django.db import migrations

FLAGS = ["外出务工", "低保", "特困", "独居老人", "空巢老人", "留守儿童", "留守妇女", "残疾人",
         "脱贫监测户", "退役军人"]

# (name, default visit frequency in days)
CATEGORIES = [
    ("社区矫正对象", 7),
    ("刑满释放人员", 30),
    ("吸毒人员", 7),
    ("严重精神障碍患者", 7),
    ("重点青少年", 30),
    ("重点信访人员", 7),
    ("矛盾纠纷当事人", 7),
    ("生活失意、心态失衡、行为异常人员", 7),
    ("艾滋病危险人员", 30),
    ("邪教人员", 30),
    ("特殊困难群体", 30),
]


def forwards(apps, schema_editor):
    HouseholdFlag = apps.get_model("grids", "HouseholdFlag")
    KeyPersonCategory = apps.get_model("grids", "KeyPersonCategory")
    for order, name in enumerate(FLAGS):
        HouseholdFlag.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, (name, days) in enumerate(CATEGORIES):
        KeyPersonCategory.objects.get_or_create(
            name=name, defaults={"sort_order": order, "visit_every_days": days})


class Migration(migrations.Migration):
    dependencies = [("grids", "0004_households_campaigns_visits")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
