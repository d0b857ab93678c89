"""The issue's defaults: quiet hours 22:00-07:00, the digest at 08:00 on working days, and one
rule per kind of notification the apps send (red-risk cases and 重大 hazards urgent; what is due
and overdue day by day gathered into the morning digest; the rest sent at once)."""

from django.db import migrations

KINDS = [
    # code, label, mode, urgent, wecom, sms, to_robot
    ("case_red", "红色风险矛盾纠纷（包村领导）", "immediate", True, True, True, True),
    ("hazard_major", "重大隐患（包村领导）", "immediate", True, True, True, True),
    ("case", "矛盾纠纷：新登记、转到本级、暂停计时", "immediate", False, True, False, False),
    ("case_push", "推送待签收（一警情三推送、诉调对接）", "immediate", False, True, False, False),
    ("case_due", "矛盾纠纷即将到期", "immediate", False, True, False, False),
    ("case_overdue", "矛盾纠纷超期自动上报", "immediate", False, True, False, False),
    ("case_followup", "矛盾纠纷回访提醒", "digest", False, True, False, False),
    ("case_jc", "司法确认申请提醒", "digest", False, True, False, False),
    ("petition", "信访：登记、受理、包案", "immediate", False, True, False, False),
    ("petition_due", "信访期限将至", "digest", False, True, False, False),
    ("petition_overdue", "信访逾期", "digest", False, True, False, False),
    ("hazard", "隐患整改：交办、验收", "immediate", False, True, False, False),
    ("hazard_due", "隐患整改临期", "digest", False, True, False, False),
    ("hazard_overdue", "隐患整改逾期", "digest", False, True, False, False),
    ("supervision", "督导问题交办", "immediate", False, True, False, False),
    ("supervision_overdue", "督导问题整改逾期", "digest", False, True, False, False),
    ("grids.visit", "走访发现问题", "immediate", False, True, False, False),
]


def forwards(apps, schema_editor):
    MessagingPolicy = apps.get_model("messaging", "MessagingPolicy")
    KindRule = apps.get_model("messaging", "KindRule")
    MessagingPolicy.objects.get_or_create(pk=1)
    for order, (code, label, mode, urgent, wecom, sms, robot) in enumerate(KINDS, 1):
        KindRule.objects.get_or_create(code=code, defaults={
            "label": label, "mode": mode, "urgent": urgent, "wecom_default": wecom,
            "sms_default": sms, "to_robot": robot, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
