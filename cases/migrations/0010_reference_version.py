"""A version stamped on the cases' reference data (the ladder and the counties' own receivers,
the policy, the categories) whenever one of their tables is written, for the copy each
process holds (cases.models reference), as grids 0008 does for the area tree."""

from django.db import migrations

from pingxiang.held import version_reverse_sql, version_sql

ARGS = ("cases_reference_version", "cases_bump_reference_version",
        ("cases_level", "cases_leveloverride", "cases_leveloverride_recipients", "cases_policy",
         "cases_category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_sweep_indexes")]
    operations = [migrations.RunSQL(version_sql(*ARGS), version_reverse_sql(*ARGS))]
