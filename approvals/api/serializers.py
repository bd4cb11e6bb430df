"""Approval API shapes."""

from rest_framework import serializers

from core.serializers import AmountField

from ..models import Flag, Lottery


class TransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reviewed_budget = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    approved_budget = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    split_justification = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DirectAwardInputSerializer(serializers.Serializer):
    contractor = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class ShortlistInputSerializer(serializers.Serializer):
    contractors = serializers.ListField(
        child=serializers.IntegerField(), min_length=2, max_length=2
    )


class BidSerializer(serializers.Serializer):
    bidder = serializers.IntegerField()
    amount = AmountField()


class TenderInputSerializer(serializers.Serializer):
    notice_date = serializers.DateField()
    notice_reference = serializers.CharField(required=False, allow_blank=True, max_length=300)
    bids = BidSerializer(many=True)
    winner = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class ContractInputSerializer(serializers.Serializer):
    amount = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    retention_rate = serializers.DecimalField(max_digits=5, decimal_places=4, required=False)
    supervision_unit = serializers.IntegerField(required=False, allow_null=True)
    project_manager = serializers.IntegerField(required=False, allow_null=True)
    safety_officer = serializers.IntegerField(required=False, allow_null=True)
    quality_inspector = serializers.IntegerField(required=False, allow_null=True)
    site_supervisor = serializers.IntegerField(required=False, allow_null=True)


class ChangeInputSerializer(serializers.Serializer):
    amount_delta = serializers.CharField()
    reason = serializers.CharField(max_length=2000)


class ChangeDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class LotteryOutputSerializer(serializers.ModelSerializer):
    seed = serializers.SerializerMethodField()
    winner_name = serializers.CharField(source="winner.name", default=None, allow_null=True)
    how_to_verify = serializers.SerializerMethodField()

    class Meta:
        model = Lottery
        fields = [
            "shortlist",
            "seed_hash",
            "seed",
            "seed_revealed",
            "winner",
            "winner_name",
            "drawn_at",
            "how_to_verify",
        ]

    def get_seed(self, lottery) -> str | None:
        # The seed stays secret until the draw; its hash is public from the start.
        return lottery.seed if lottery.seed_revealed else None

    def get_how_to_verify(self, lottery) -> str:
        return (
            "sha256(seed) == seed_hash; winner = shortlist[int(sha256(seed + '|' + "
            "'|'.join(credit_codes in shortlist order)), 16) % len(shortlist)]"
        )


class FlagOutputSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    project_code = serializers.CharField(source="project.code")

    class Meta:
        model = Flag
        fields = [
            "id",
            "project",
            "project_code",
            "kind",
            "kind_display",
            "summary",
            "related_project_ids",
            "created_at",
        ]
