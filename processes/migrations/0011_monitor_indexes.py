"""流程监控's indexes: the case search newest first and by process and state, a process's task
figures by case type; and on PostgreSQL a trigram index on UPPER(subject_name) for the search by
enterprise fragment (``subject_name__icontains`` is ``UPPER(subject_name::text) LIKE UPPER(%s)``),
skipped where pg_trgm cannot be had (the search then scans, as before)."""

from django.conf import settings
from django.db import DatabaseError, migrations, models, transaction

TRIGRAM_INDEX = "instance_subject_name_trgm"


def add_subject_trigram_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if cursor.fetchone() is None:
                return
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON processes_processinstance "
                "USING gin ((UPPER(subject_name::text)) gin_trgm_ops)"
            )
    except DatabaseError:
        return


def drop_subject_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("processes", "0010_task_form_and_escalation_department"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="humantask",
            index=models.Index(
                fields=["case_type", "state", "bpmn_id"],
                include=("instance", "created_at", "completed_at", "due_at", "candidate_department"),
                name="task_process_figures",
            ),
        ),
        migrations.AddIndex(
            model_name="humantask",
            index=models.Index(
                condition=models.Q(("completed_at__isnull", False), ("state", "completed")),
                fields=["case_type", "completed_at", "id"],
                include=("bpmn_id", "created_at", "instance"),
                name="task_completed_recent",
            ),
        ),
        migrations.AddIndex(
            model_name="processinstance",
            index=models.Index(fields=["created_at", "id"], name="instance_created"),
        ),
        migrations.AddIndex(
            model_name="processinstance",
            index=models.Index(
                fields=["case_type", "status", "created_at", "id"],
                include=("process_version",),
                name="instance_process_status",
            ),
        ),
        migrations.RunPython(add_subject_trigram_index, drop_subject_trigram_index, elidable=False),
    ]
