"""Add item.word_count (background jobs), and the job queue's tables.

Revision ID: jobs0001
Revises: 0001
Create Date: 2026-12-02 12:00:00

The huey_* tables hold the queue when it lives in the database (jobs.py describes them).
{%- if cookiecutter._features.jobs.backend == "redis" %} With
Redis they stay empty, so that moving the queue to the database needs no migration.
{%- endif %}
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "jobs0001"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item") as batch_op:
        batch_op.add_column(sa.Column("word_count", sa.Integer(), nullable=True))
    op.create_table(
        "huey_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huey_task")),
    )
    op.create_index("ix_huey_task_queue_priority_id", "huey_task", ["queue", "priority", "id"])
    op.create_table(
        "huey_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_huey_schedule")),
    )
    op.create_index("ix_huey_schedule_queue_timestamp", "huey_schedule", ["queue", "timestamp"])
    op.create_table(
        "huey_kv",
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "key", name=op.f("pk_huey_kv")),
    )
    op.create_table(
        "huey_counter",
        sa.Column("queue", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("queue", "key", name=op.f("pk_huey_counter")),
    )


def downgrade() -> None:
    op.drop_table("huey_counter")
    op.drop_table("huey_kv")
    op.drop_index("ix_huey_schedule_queue_timestamp", table_name="huey_schedule")
    op.drop_table("huey_schedule")
    op.drop_index("ix_huey_task_queue_priority_id", table_name="huey_task")
    op.drop_table("huey_task")
    with op.batch_alter_table("item") as batch_op:
        batch_op.drop_column("word_count")
