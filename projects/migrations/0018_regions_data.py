"""The home district and its city and province (docs/province.md): every organisation made before
regions belongs to 荔城区, and each project to its street office's district."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

HOME = [
    ("350000", "福建省", "province", None),
    ("350300", "莆田市", "city", "350000"),
    ("350304", "荔城区", "district", "350300"),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    Organisation = apps.get_model("accounts", "Organisation")
    Project = apps.get_model("projects", "Project")
    made = {}
    for code, name, level, parent in HOME:
        made[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": made.get(parent)}
        )
    Organisation.objects.filter(region__isnull=True).update(region=made["350304"])
    Project.objects.filter(district__isnull=True).update(
        district_id=Subquery(
            Organisation.objects.filter(pk=OuterRef("street_id")).values("region_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_regions"),
        ("projects", "0017_regions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
