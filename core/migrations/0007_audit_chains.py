"""Several audit chains instead of one (docs/audit.md "Chains"): every event names its chain and
is numbered within it; the events recorded before are chain 0, unchanged. Kept and signed heads
name each chain's position; heads signed before keep their form (one position of chain 0)."""

from django.db import migrations, models


def heads_forward(apps, schema_editor):
    # Before, a head was one position of the single chain: that chain is now chain 0.
    AuditHead = apps.get_model("core", "AuditHead")
    for head in AuditHead.objects.filter(count__gt=0).iterator():
        AuditHead.objects.filter(pk=head.pk).update(chains=[[0, head.count, head.hash]])
    SignedAuditHead = apps.get_model("core", "SignedAuditHead")
    for head in SignedAuditHead.objects.iterator():
        SignedAuditHead.objects.filter(pk=head.pk).update(chains=[[0, head.seq, head.hash]])


def heads_backward(apps, schema_editor):
    SignedAuditHead = apps.get_model("core", "SignedAuditHead")
    for head in SignedAuditHead.objects.iterator():
        position = dict((c, s) for c, s, _h in head.chains).get(0, 0)
        SignedAuditHead.objects.filter(pk=head.pk).update(seq=position)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_jobrun")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="链"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(verbose_name="序号"),
        ),
        # Each chain links by its hashes and is unique by (chain, seq); a unique index on the
        # hash itself only slowed every append at a province's size.
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="core_auditevent_chain_seq"
            ),
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="core_audite_object__4f9eb5_idx",
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["object_type", "object_id", "id"], name="core_audite_object__9f5c03_idx"
            ),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["id"],
                "verbose_name": "审计事件",
                "verbose_name_plural": "审计事件",
            },
        ),
        migrations.RenameField(model_name="audithead", old_name="seq", new_name="count"),
        migrations.AlterField(
            model_name="audithead",
            name="count",
            field=models.PositiveBigIntegerField(verbose_name="事件数"),
        ),
        migrations.AddField(
            model_name="audithead",
            name="chains",
            field=models.JSONField(default=list, verbose_name="各链链头"),
        ),
        migrations.AddField(
            model_name="audithead",
            name="broken_chain",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="损坏的链"),
        ),
        migrations.AddField(
            model_name="audithead",
            name="since",
            field=models.DateField(blank=True, null=True, verbose_name="起点签名链头"),
        ),
        migrations.AddField(
            model_name="audithead",
            name="checked",
            field=models.PositiveBigIntegerField(default=0, verbose_name="本次核验事件数"),
        ),
        migrations.AddField(
            model_name="signedaudithead",
            name="kind",
            field=models.CharField(
                default="lingxing.audit-head.v1", max_length=40, verbose_name="格式"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signedaudithead",
            name="chains",
            field=models.JSONField(default=list, verbose_name="各链链头"),
        ),
        migrations.AddField(
            model_name="signedaudithead",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, verbose_name="上一链头哈希"),
        ),
        migrations.RunPython(heads_forward, heads_backward),
        migrations.RemoveField(model_name="signedaudithead", name="seq"),
    ]
