"""On PostgreSQL the database itself keeps the ledger's two rules (SQLite relies on the action).

1. **Balanced.** A deferred constraint trigger on ``ledger_entry`` (``ledger_check_balanced``, as
   django-hordak's ``check_leg``) checks, at commit, that the entries of every posting touched by
   the transaction sum to zero; one on ``ledger_posting`` checks that a new posting has entries at
   all. Being ``DEFERRABLE INITIALLY DEFERRED``, the check runs once the posting and all its
   entries are written, so ``posting_create``'s ``bulk_create`` passes and a raw unbalanced insert
   fails at ``COMMIT``.
2. **Append-only.** ``BEFORE UPDATE OR DELETE`` row triggers on ``ledger_entry`` and
   ``ledger_posting`` raise: a mistake is corrected by a reversing posting, never an edit.
   ``TRUNCATE`` (statement level: the test runner's flush, a demo reset of the whole database) is
   not refused.

On any other database the migration does nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger AS $$
DECLARE
    pid bigint;
    total numeric;
BEGIN
    IF (TG_OP = 'DELETE') THEN pid := OLD.posting_id; ELSE pid := NEW.posting_id; END IF;
    SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_entry WHERE posting_id = pid;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger posting % does not sum to zero (%)', pid, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_check_has_entries() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_entry WHERE posting_id = NEW.id) THEN
        RAISE EXCEPTION 'ledger posting % has no entries', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused (write a reversing posting)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE CONSTRAINT TRIGGER ledger_posting_has_entries
    AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_has_entries();

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_posting_append_only
    BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_posting_has_entries ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_check_has_entries();
DROP FUNCTION IF EXISTS ledger_check_balanced();
"""


def _run(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
