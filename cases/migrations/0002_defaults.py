"""Default policy data (../shared/domain.md "Decided defaults"); administrators edit it."""

from django.db import migrations

LEVELS = [
    (1, "网格员/社调解员“随手调”", "grid_workers", 1, "网格员、社调解员当场调处"),
    (2, "村(社区)调委会", "village_cadres", 2, "村(社区)人民调解委员会"),
    (3, "镇综治中心", "centre_staff", 2, "镇综治中心会同司法所、派出所"),
    (4, "镇党委政府（包村领导）", "village_leaders", 2, "包村科级领导"),
    (5, "县综治中心/县直部门/县级领导包案", "county_staff", 2, "县级"),
]

CATEGORIES = ["婚恋", "民间借贷", "婚姻家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿",
              "山林土地", "征地拆迁", "环境污染", "劳动争议", "消费", "医疗", "道路交通事故", "物业",
              "其他"]

ROUTES = [
    ("court", "centre_staff"), ("court", "village_cadres"), ("court", "grid_workers"),
    ("police", "centre_staff"), ("police", "village_cadres"), ("police", "grid_workers"),
    ("police", "village_leaders"),
    ("petition", "centre_staff"), ("petition", "village_cadres"),
]


def forwards(apps, schema_editor):
    Level = apps.get_model("cases", "Level")
    Category = apps.get_model("cases", "Category")
    ReferralRoute = apps.get_model("cases", "ReferralRoute")
    Policy = apps.get_model("cases", "Policy")
    for number, name, kind, days, desc in LEVELS:
        Level.objects.get_or_create(number=number, defaults={
            "name": name, "handler_kind": kind, "day_limit": days, "description": desc})
    for order, name in enumerate(CATEGORIES):
        Category.objects.get_or_create(name=name, defaults={"sort_order": order})
    for source, recipient in ROUTES:
        ReferralRoute.objects.get_or_create(source=source, recipient=recipient)
    Policy.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
