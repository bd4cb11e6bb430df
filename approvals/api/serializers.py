"""Approval API shapes."""

from rest_framework import serializers

from core.serializers import AmountField

from ..lottery_check import lottery_check_command
from ..models import Flag, Lottery, LotteryContribution


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


class QuoteSerializer(serializers.Serializer):
    supplier = serializers.IntegerField()
    amount = serializers.CharField()
    score = serializers.CharField()


class ConsultationInputSerializer(serializers.Serializer):
    notice_date = serializers.DateField()
    notice_reference = serializers.CharField(required=False, allow_blank=True, max_length=300)
    panel = serializers.ListField(child=serializers.CharField(max_length=50), max_length=21)
    quotes = QuoteSerializer(many=True)
    winner = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class FrameworkOrderInputSerializer(serializers.Serializer):
    agreement = serializers.IntegerField()
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


class CommitInputSerializer(serializers.Serializer):
    commitment = serializers.CharField(max_length=64)


class RevealInputSerializer(serializers.Serializer):
    secret = serializers.CharField(max_length=200)


class ContributionSerializer(serializers.ModelSerializer):
    reveal = serializers.SerializerMethodField()

    class Meta:
        model = LotteryContribution
        fields = ["party", "commitment", "reveal", "revealed_at"]

    def get_reveal(self, contribution) -> str | None:
        return contribution.reveal or None


class LotteryOutputSerializer(serializers.ModelSerializer):
    seed = serializers.SerializerMethodField()
    winner_name = serializers.CharField(source="winner.name", default=None, allow_null=True)
    contributions = ContributionSerializer(many=True, read_only=True)
    how_to_verify = serializers.SerializerMethodField()
    check_command = serializers.SerializerMethodField()

    class Meta:
        model = Lottery
        fields = [
            "shortlist",
            "seed_hash",
            "seed",
            "seed_revealed",
            "reveal_by",
            "contributions",
            "replaced",
            "draw_seed",
            "winner",
            "winner_name",
            "drawn_at",
            "how_to_verify",
            "check_command",
        ]

    def get_seed(self, lottery) -> str | None:
        # The platform's stand-in secret stays secret until the draw; its hash is public.
        return lottery.seed if lottery.seed_revealed else None

    def get_how_to_verify(self, lottery) -> str:
        if lottery.drawn_at and not lottery.draw_seed:  # a draw before commit–reveal
            return (
                "sha256(seed) == seed_hash; winner = shortlist[int(sha256(seed + '|' + "
                "'|'.join(credit_codes in shortlist order)), 16) % len(shortlist)]"
            )
        return (
            "sha256(reveal) == commitment for each party; draw_seed = sha256('|'.join(reveals "
            "in party order dept, discipline; a replaced party's reveal is seed)); winner = "
            "shortlist[int(sha256(draw_seed + '|' + '|'.join(credit_codes)), 16) % "
            "len(shortlist)]"
        )

    def get_check_command(self, lottery) -> str | None:
        return lottery_check_command(lottery)


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
