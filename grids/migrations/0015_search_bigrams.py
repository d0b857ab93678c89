# The search box at county scale (issue 19): two-character names ("王建") by index.
# pg_trgm cannot answer LIKE '%王建%' (fewer than three characters make no trigram), so the
# two-character pieces of residents' names and households' search text are indexed through
# an immutable function. Its COST tells the planner that calling it row by row is dear (it
# is: about 30 µs a row), so it keeps to the index.
import django.contrib.postgres.indexes
from django.db import migrations

import grids.models

GRAMS = """
CREATE OR REPLACE FUNCTION px_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}')
  FROM generate_series(1, char_length(t) - 1) AS i
$$
"""


class Migration(migrations.Migration):

    dependencies = [
        ("grids", "0014_area_kind_city"),
    ]

    operations = [
        migrations.RunSQL(GRAMS, "DROP FUNCTION IF EXISTS px_bigrams(text)"),
        migrations.AddIndex(
            model_name="resident",
            index=django.contrib.postgres.indexes.GinIndex(
                grids.models.Bigrams("name"), name="resident_name_bigrams"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=django.contrib.postgres.indexes.GinIndex(
                grids.models.Bigrams("search_text"), name="household_search_bigrams"),
        ),
    ]
