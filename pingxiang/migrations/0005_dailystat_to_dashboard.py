"""DailyStat now belongs to the dashboard app (dashboard.0001 takes over the same table)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('pingxiang', '0004_figures_version'),
        ('dashboard', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='DailyStat')],
        ),
    ]
