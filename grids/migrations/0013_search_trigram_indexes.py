# The one search box (issue 19 §3): trigram indexes so any part of a name or address and the
# last digits of an ID or phone number are index scans on a county's 270,000 households.
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("grids", "0012_key_place_responsible_unit"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="household",
            index=GinIndex(fields=["search_text"], name="household_search_trgm",
                           opclasses=["gin_trgm_ops"]),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=GinIndex(fields=["name"], name="resident_name_trgm", opclasses=["gin_trgm_ops"]),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=GinIndex(fields=["id_number"], name="resident_id_trgm",
                           opclasses=["gin_trgm_ops"]),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=GinIndex(fields=["phone"], name="resident_phone_trgm",
                           opclasses=["gin_trgm_ops"]),
        ),
    ]
