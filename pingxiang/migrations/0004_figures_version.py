"""A sequence that moves whenever a table the dashboard counts from is written. The
dashboard caches its figures under the sequence's current value (pingxiang.figurecache),
so a cached figure is never served after a write it does not include. The triggers that
move it are (re)created after every migrate by pingxiang.figurecache.install_triggers, so a
table added later is covered without a migration of its own."""

from django.db import migrations

SQL = """
CREATE SEQUENCE IF NOT EXISTS pingxiang_figures_version;
CREATE OR REPLACE FUNCTION pingxiang_bump_figures() RETURNS trigger AS $$
BEGIN
    PERFORM nextval('pingxiang_figures_version');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
DROP FUNCTION IF EXISTS pingxiang_bump_figures() CASCADE;
DROP SEQUENCE IF EXISTS pingxiang_figures_version;
"""


class Migration(migrations.Migration):
    dependencies = [("pingxiang", "0003_daily_stats")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
