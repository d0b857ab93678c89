"""A version stamped on the cases' reference data (the ladder and the counties' own receivers,
the policy, the categories) whenever one of their tables is written, for the copy each
process holds (cases.reference), as grids 0008 does for the area tree: a row written in the
same transaction, its value from a sequence."""

from django.db import migrations

TABLES = ("cases_level", "cases_leveloverride", "cases_leveloverride_recipients",
          "cases_policy", "cases_category")

SQL = """
CREATE SEQUENCE IF NOT EXISTS cases_reference_version_seq;
CREATE TABLE IF NOT EXISTS cases_reference_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    v bigint NOT NULL
);
INSERT INTO cases_reference_version VALUES (1, nextval('cases_reference_version_seq'))
    ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION cases_bump_reference_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO cases_reference_version VALUES (1, nextval('cases_reference_version_seq'))
        ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + "".join(f"""
CREATE OR REPLACE TRIGGER cases_reference_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION cases_bump_reference_version();
""" for table in TABLES)

REVERSE = "".join(f"DROP TRIGGER IF EXISTS cases_reference_version ON {table};\n"
                  for table in TABLES) + """
DROP FUNCTION IF EXISTS cases_bump_reference_version();
DROP TABLE IF EXISTS cases_reference_version;
DROP SEQUENCE IF EXISTS cases_reference_version_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_sweep_indexes")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
