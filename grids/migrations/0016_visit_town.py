# The visit ledger of a town (issue 17 §6, issue 22 §3) counted and paged a town's visits
# through its villages' rows: the count read every row of the town's period, and the page
# read the county's newest visits backwards until twenty of the town's came by. Visits now
# keep their town, as cases and hazards do, and an index on (town, visited_on, id) answers
# the count from the index alone and the page in order.
import django.db.models.deletion
from django.db import migrations, models

# A visit's town is the town above its village (the village column falls back to the grid
# where no village is above it); where no town is above either, the village, as
# grids.actions.record_visit does. The dashboard's rollup trigger (dashboard.rollups) is
# off for the statement: no figure reads the town column, and it would otherwise mark
# every day with a visit for recount.
BACKFILL = """
DO $$
DECLARE
  rollup boolean := EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'grids_visit'::regclass
                            AND tgname = 'pingxiang_rollup_update_visited_on');
BEGIN
  IF rollup THEN
    ALTER TABLE grids_visit DISABLE TRIGGER pingxiang_rollup_update_visited_on;
  END IF;
  WITH above AS (
    SELECT a.id AS village_id,
           (SELECT t.id FROM grids_area AS t
             WHERE t.kind = 'town' AND a.path LIKE t.path || '%'
             ORDER BY t.depth DESC LIMIT 1) AS town_id
      FROM grids_area AS a
  )
  UPDATE grids_visit AS v SET town_id = coalesce(above.town_id, v.village_id)
    FROM above
   WHERE above.village_id = v.village_id;
  IF rollup THEN
    ALTER TABLE grids_visit ENABLE TRIGGER pingxiang_rollup_update_visited_on;
  END IF;
END
$$
"""


class Migration(migrations.Migration):

    dependencies = [
        ("grids", "0015_search_bigrams"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="town",
            field=models.ForeignKey(null=True, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area",
                                    verbose_name="乡镇(街道)"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="visit",
            name="town",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="grids.area",
                                    verbose_name="乡镇(街道)"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["town", "visited_on", "id"], name="visit_town_date"),
        ),
    ]
