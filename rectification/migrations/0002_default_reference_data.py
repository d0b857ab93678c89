"""Default reference data (domain.md, Hazards and supervision; §4.1 for 六有/八化).
Administrators edit these rows afterwards; nothing in code depends on their names except
the seed."""

from django.db import migrations

HAZARD_CATEGORIES = ["道路交通", "消防", "校园周边", "物流寄递", "货运站", "安全生产", "其他"]
ISSUE_CATEGORIES = [
    ("走访台账不规范", False), ("矛盾纠纷未及时化解", False), ("信访未按期办结", False),
    ("隐患未整改", False), ("阵地建设", True), ("资料档案", False), ("其他", False),
]
SIX_HAVES = ["有工作机构", "有固定场所", "有人员力量", "有配套制度", "有职责职能", "有信息化支撑"]
# Only the first 八化 item is confirmed by a source; the rest are the domain notes' guesses.
EIGHT = ["功能定位科学化", "基础设施标准化", "队伍建设专业化", "运行机制制度化", "工作流程规范化",
         "信息平台智能化", "服务群众便捷化", "考核管理常态化"]


def forwards(apps, schema_editor):
    Policy = apps.get_model("rectification", "Policy")
    HazardCategory = apps.get_model("rectification", "HazardCategory")
    IssueCategory = apps.get_model("rectification", "IssueCategory")
    StandardItem = apps.get_model("rectification", "StandardItem")
    if not Policy.objects.exists():
        Policy.objects.create()
    for order, name in enumerate(HAZARD_CATEGORIES):
        HazardCategory.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, (name, centre) in enumerate(ISSUE_CATEGORIES):
        IssueCategory.objects.get_or_create(
            name=name, defaults={"sort_order": order, "concerns_centre": centre})
    for order, name in enumerate(SIX_HAVES):
        StandardItem.objects.get_or_create(group="六有", name=name,
                                           defaults={"sort_order": order, "confirmed": True})
    for order, name in enumerate(EIGHT):
        StandardItem.objects.get_or_create(group="八化", name=name,
                                           defaults={"sort_order": order, "confirmed": order == 0})


class Migration(migrations.Migration):
    dependencies = [("rectification", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
