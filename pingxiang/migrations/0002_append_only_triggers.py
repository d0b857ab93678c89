"""The audit trail and the access log are append-only in the database itself: an UPDATE
or DELETE from any client (the admin, a shell, raw SQL) raises. Retention pruning of the
access log (after ACCESS_LOG_RETENTION_DAYS, at least 6 months) goes through the
`prune_access_log` function, which is the only place allowed to delete, and only old rows."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION pingxiang_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'pingxiang_accessevent'
       AND current_setting('pingxiang.prune', true) = 'on'
       AND OLD.at < now() - interval '183 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER pingxiang_auditevent_append_only
    BEFORE UPDATE OR DELETE ON pingxiang_auditevent
    FOR EACH ROW EXECUTE FUNCTION pingxiang_append_only();
CREATE TRIGGER pingxiang_accessevent_append_only
    BEFORE UPDATE OR DELETE ON pingxiang_accessevent
    FOR EACH ROW EXECUTE FUNCTION pingxiang_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS pingxiang_auditevent_append_only ON pingxiang_auditevent;
DROP TRIGGER IF EXISTS pingxiang_accessevent_append_only ON pingxiang_accessevent;
DROP FUNCTION IF EXISTS pingxiang_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("pingxiang", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
