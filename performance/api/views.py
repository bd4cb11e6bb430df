"""Performance API: the published ranking of a quarter, one's own warnings, credit standing."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from core.replica import ReplicaReadsMixin

from .. import alerts, selectors
from ..choices import ScoredKind
from ..permissions import access_company_credit, may_read_all_credit


class FlagsSerializer(serializers.Serializer):
    bottom = serializers.BooleanField()
    suspended = serializers.BooleanField()
    red_listed = serializers.BooleanField()
    not_ranked = serializers.BooleanField()


class ScoreRowSerializer(serializers.Serializer):
    company = serializers.CharField()
    company_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ScoredKind.choices)
    quality_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    satisfaction = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    funds_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    rank = serializers.SerializerMethodField()
    ranked_count = serializers.IntegerField()
    projects = serializers.IntegerField()
    checks = serializers.IntegerField()
    flags = FlagsSerializer()

    def get_rank(self, row) -> str:
        return str(row["rank"])


class ScoreListApi(ReplicaReadsMixin, APIView):
    """GET ?quarter=2026Q3[&kind=contractor]: the ranking, "not ranked" below the sample."""

    @extend_schema(
        parameters=[
            OpenApiParameter("quarter", str, required=True, description="e.g. 2026Q3"),
            OpenApiParameter("kind", str, enum=ScoredKind.values),
        ],
        responses=inline_serializer(
            "ScoreList",
            {
                "quarter": serializers.CharField(),
                "weights": serializers.DictField(),
                "digest": serializers.CharField(),
                "results": ScoreRowSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        quarter = request.query_params.get("quarter")
        if not quarter:
            raise ApplicationError(_("请指定季度，例如 ?quarter=2026Q3。"))
        period = selectors.period_get(quarter)
        kind = request.query_params.get("kind")
        rows = selectors.ranking(period, kind if kind in ScoredKind.values else None)
        return Response(
            {
                "quarter": period.quarter,
                "weights": period.weights,
                "digest": period.digest,
                "results": ScoreRowSerializer(rows, many=True).data,
            }
        )


class WarningRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(source="warning.kind")
    level = serializers.CharField(source="warning.level")
    text = serializers.SerializerMethodField()
    url = serializers.CharField(source="warning.url")
    raised_at = serializers.DateTimeField(source="warning.created_at")
    resolved_at = serializers.DateTimeField(source="warning.resolved_at", allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)

    def get_text(self, delivery) -> str:
        return alerts.warning_text(delivery.warning)


class WarningListApi(ReplicaReadsMixin, APIView):
    """GET: the signed-in user's warnings (unread first), with the unread count."""

    @extend_schema(
        responses=inline_serializer(
            "WarningList",
            {"unread": serializers.IntegerField(), "results": WarningRowSerializer(many=True)},
        )
    )
    def get(self, request):
        rows = list(selectors.warning_deliveries(request.user)[:200])
        return Response(
            {
                "unread": selectors.unread_warning_count(request.user),
                "results": WarningRowSerializer(rows, many=True).data,
            }
        )


class CreditDeductionSerializer(serializers.Serializer):
    day = serializers.DateField()
    rule = serializers.CharField()
    rule_label = serializers.CharField(source="get_rule_display")
    points = serializers.IntegerField()
    project_id = serializers.IntegerField(allow_null=True)
    evidence = serializers.CharField()
    withdrawn = serializers.SerializerMethodField()

    def get_withdrawn(self, deduction) -> bool:
        return deduction.withdrawn_at is not None


class CreditReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField(source="label")
    until = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    score = serializers.IntegerField(required=False)


class CreditListApi(ReplicaReadsMixin, APIView):
    """GET: every company's credit status and score, with the reasons (credit readers)."""

    @extend_schema(
        responses=inline_serializer(
            "CreditRow",
            {
                "company": serializers.CharField(),
                "company_id": serializers.IntegerField(),
                "kind": serializers.CharField(),
                "credit_status": serializers.CharField(),
                "score": serializers.IntegerField(),
                "reasons": CreditReasonSerializer(many=True),
                "deductions": CreditDeductionSerializer(many=True),
            },
            many=True,
        )
    )
    def get(self, request):
        if not may_read_all_credit(request.user):
            raise PermissionDenied
        return Response(
            [
                {
                    "company": r["company"].name,
                    "company_id": r["company"].pk,
                    "kind": r["company"].kind,
                    "credit_status": r["company"].credit_status,
                    "score": r["score"],
                    "reasons": CreditReasonSerializer(r["reasons"], many=True).data,
                    "deductions": CreditDeductionSerializer(r["deductions"], many=True).data,
                }
                for r in selectors.credit_overview(timezone.localdate())
            ]
        )


class CreditCompanyApi(APIView):
    """GET: one company's credit, with the same reasons and deductions its credit page lists
    (readers of all credit, or the company's own staff)."""

    @extend_schema(
        responses=inline_serializer(
            "CreditCompany",
            {
                "company": serializers.CharField(),
                "company_id": serializers.IntegerField(),
                "credit_status": serializers.CharField(),
                "score": serializers.IntegerField(),
                "reasons": CreditReasonSerializer(many=True),
                "deductions": CreditDeductionSerializer(many=True),
            },
        )
    )
    def get(self, request, organisation_id: int):
        company = access_company_credit(request.user, organisation_id)
        facts = selectors.credit_company(company, timezone.localdate())
        return Response(
            {
                "company": company.name,
                "company_id": company.pk,
                "credit_status": company.credit_status,
                "score": facts["score"],
                "reasons": CreditReasonSerializer(facts["reasons"], many=True).data,
                "deductions": CreditDeductionSerializer(facts["deductions"], many=True).data,
            }
        )
