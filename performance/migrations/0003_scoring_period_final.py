from zoneinfo import ZoneInfo

from django.db import migrations, models


def mark_periods_scored_after_their_end(apps, schema_editor):
    """A period scored on or after the day its quarter ended was final (it could suspend)."""
    ScoringPeriod = apps.get_model("performance", "ScoringPeriod")
    shanghai = ZoneInfo("Asia/Shanghai")
    for period in ScoringPeriod.objects.filter(scored_at__isnull=False):
        if period.scored_at.astimezone(shanghai).date() >= period.ends_on:
            ScoringPeriod.objects.filter(pk=period.pk).update(final=True)


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0002_outbox_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoringperiod",
            name="final",
            field=models.BooleanField(default=False, verbose_name="季度结束后计算"),
        ),
        migrations.RunPython(mark_periods_scored_after_their_end, migrations.RunPython.noop),
    ]
