"""Item.word_count (background jobs), and the job queue's tables.

The huey_* tables hold the queue when it is in the database (jobs.DatabaseStorage).
{%- if cookiecutter._features.jobs.backend == "redis" %} With
Redis they stay empty, so that moving the queue to the database needs no migration.
{%- endif %} They
are Huey's, not models of this app: created here, and left out of the migrations' state.
"""

from typing import Any

from django.db import migrations, models

QUEUE = models.CharField(max_length=255)


def huey_table(
    name: str, fields: list[tuple[str, models.Field[Any, Any]]], **options: Any
) -> migrations.CreateModel:
    return migrations.CreateModel(
        name=f"Huey{name.title()}", fields=fields, options={"db_table": f"huey_{name}", **options}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("{{ cookiecutter.package_name }}", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="item",
            name="word_count",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                huey_table(
                    "task",
                    [
                        ("id", models.AutoField(primary_key=True)),
                        ("queue", QUEUE.clone()),
                        ("data", models.BinaryField()),
                        ("priority", models.FloatField()),
                    ],
                    indexes=[
                        models.Index(
                            fields=["queue", "priority", "id"],
                            name="huey_task_queue_priority_id",
                        )
                    ],
                ),
                huey_table(
                    "schedule",
                    [
                        ("id", models.AutoField(primary_key=True)),
                        ("queue", QUEUE.clone()),
                        ("data", models.BinaryField()),
                        # milliseconds since the epoch
                        ("timestamp", models.BigIntegerField()),
                    ],
                    indexes=[
                        models.Index(
                            fields=["queue", "timestamp"], name="huey_schedule_queue_timestamp"
                        )
                    ],
                ),
                huey_table(
                    "kv",
                    [
                        ("pk", models.CompositePrimaryKey("queue", "key")),
                        ("queue", QUEUE.clone()),
                        ("key", QUEUE.clone()),
                        ("value", models.BinaryField()),
                    ],
                ),
                huey_table(
                    "counter",
                    [
                        ("pk", models.CompositePrimaryKey("queue", "key")),
                        ("queue", QUEUE.clone()),
                        ("key", QUEUE.clone()),
                        ("value", models.IntegerField()),
                    ],
                ),
            ],
            state_operations=[],
        ),
    ]
