# The search box's number lookups (issue 19 §3); pg_trgm comes with grids 0009.

import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0013_search_trigram_indexes'),
        ('petitions', '0005_platform_formats'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='petition',
            index=django.contrib.postgres.indexes.GinIndex(fields=['number'], name='petition_number_trgm', opclasses=['gin_trgm_ops']),
        ),
    ]
