"""A version stamped on the area tree whenever grids_area is written, for the copy of the
tree each process holds (grids.areatree).

The version is a row, written in the same transaction as the change, so a reader sees the
areas and the version from one snapshot (never a new number with the old areas, as a
sequence read outside the transaction could give); its value comes from a sequence, so a
rolled-back change never leaves two different trees under one number."""

from django.db import migrations

SQL = """
CREATE SEQUENCE IF NOT EXISTS grids_areas_version_seq;
CREATE TABLE IF NOT EXISTS grids_areas_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    v bigint NOT NULL
);
INSERT INTO grids_areas_version VALUES (1, nextval('grids_areas_version_seq'))
    ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION grids_bump_areas_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO grids_areas_version VALUES (1, nextval('grids_areas_version_seq'))
        ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER grids_areas_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grids_area
    FOR EACH STATEMENT EXECUTE FUNCTION grids_bump_areas_version();
"""

REVERSE = """
DROP TRIGGER IF EXISTS grids_areas_version ON grids_area;
DROP FUNCTION IF EXISTS grids_bump_areas_version();
DROP TABLE IF EXISTS grids_areas_version;
DROP SEQUENCE IF EXISTS grids_areas_version_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("grids", "0007_version_db_default")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
