# The transactional outbox moved to core/ (it serves every app): the table is renamed and kept
# with its rows; core's 0003 takes the model over in the migration state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="OutboxMessage", table="core_outboxmessage"),
            ],
            state_operations=[
                migrations.DeleteModel(name="OutboxMessage"),
            ],
        ),
    ]
