# The outbox's model, moved here from performance/ with its table (renamed there, rows kept).
# Pending messages name their tasks by module path, and performance/ left ratings/: rename them.

from django.db import migrations, models

OLD, NEW = "ratings.performance.tasks.", "performance.tasks."


def rename_tasks(apps, schema_editor):
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    for message in OutboxMessage.objects.filter(task__startswith=OLD):
        message.task = NEW + message.task[len(OLD) :]
        message.save(update_fields=["task"])


def unrename_tasks(apps, schema_editor):
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    for message in OutboxMessage.objects.filter(task__startswith=NEW):
        message.task = OLD + message.task[len(NEW) :]
        message.save(update_fields=["task"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
        ("performance", "0002_outbox_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("task", models.CharField(max_length=200)),
                        ("kwargs", models.JSONField(default=dict)),
                        ("queue", models.CharField(blank=True, max_length=100)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("sent_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                    ],
                    options={"ordering": ["id"]},
                ),
            ],
        ),
        migrations.RunPython(rename_tasks, unrename_tasks),
    ]
