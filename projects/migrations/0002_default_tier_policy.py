"""The tier thresholds of the 荔城区零星工程管理办法: 50,000 and 500,000 元 (docs/rules.md §2)."""
from datetime import date
from decimal import Decimal

from django.db import migrations


def forward(apps, schema_editor):
    TierPolicy = apps.get_model("projects", "TierPolicy")
    TierPolicy.objects.get_or_create(
        effective_from=date(2020, 1, 1),
        defaults={"general_from": Decimal("50000.00"), "major_from": Decimal("500000.00"),
                  "note": "荔城区零星工程管理办法"},
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
