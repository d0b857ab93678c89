# The search box's number lookups (issue 19 §3); pg_trgm comes with grids 0009.

import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0013_search_trigram_indexes'),
        ('rectification', '0006_hazard_withdraw_and_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='hazard',
            index=django.contrib.postgres.indexes.GinIndex(fields=['number'], name='hazard_number_trgm', opclasses=['gin_trgm_ops']),
        ),
    ]
