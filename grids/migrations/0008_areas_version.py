"""A version stamped on the area tree whenever grids_area is written, for the copy of the
tree each process holds (grids.areatree).

The version is a row, written in the same transaction as the change, so a reader sees the
areas and the version from one snapshot (never a new number with the old areas, as a
sequence read outside the transaction could give); its value comes from a sequence, so a
rolled-back change never leaves two different trees under one number."""

from django.db import migrations

from pingxiang.held import version_reverse_sql, version_sql

ARGS = ("grids_areas_version", "grids_bump_areas_version", ("grids_area",))


class Migration(migrations.Migration):
    dependencies = [("grids", "0007_version_db_default")]
    operations = [migrations.RunSQL(version_sql(*ARGS), version_reverse_sql(*ARGS))]
