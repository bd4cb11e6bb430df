"""Project API shapes: input takes only what a street office fills in."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.serializers import AmountField

from ..choices import Category, ProcurementMethod, ProjectClass, Tier
from ..models import Project
from ..public import public_url
from ..services import available_transitions


class ProjectInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=300)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-90, max_value=90
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        required=False,
        allow_null=True,
        min_value=-180,
        max_value=180,
    )
    category = serializers.ChoiceField(choices=Category.choices)
    project_class = serializers.ChoiceField(
        choices=ProjectClass.choices, required=False, allow_blank=True
    )
    budget_amount = AmountField()
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    # a 设计单位 of the directory, by id (checked by the service: docs/credit.md)
    design_unit = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        start = attrs.get("planned_start", getattr(self.instance, "planned_start", None))
        end = attrs.get("planned_end", getattr(self.instance, "planned_end", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"planned_end": [_("计划完工日期不能早于计划开工日期。")]}
            )
        return attrs


class ProjectOutputSerializer(serializers.ModelSerializer):
    budget_amount = AmountField()
    reviewed_budget = AmountField(allow_null=True)
    tier_display = serializers.CharField(source="get_tier_display")
    status_display = serializers.CharField(source="get_status_display")
    category_display = serializers.CharField(source="get_category_display")
    street_name = serializers.CharField(source="street.name")
    created_by_name = serializers.CharField(source="created_by.__str__")
    approved_budget = AmountField(allow_null=True)
    contractor_name = serializers.CharField(source="contractor.name", default=None, allow_null=True)
    supervision_unit_name = serializers.CharField(
        source="supervision_unit.name", default=None, allow_null=True
    )
    design_unit_name = serializers.CharField(
        source="design_unit.name", default=None, allow_null=True
    )
    review_due_date = serializers.DateField(read_only=True, allow_null=True)
    review_overdue = serializers.BooleanField(read_only=True)
    available_transitions = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField()
    # Blank until escalated: documented with the blank value (the model field's choices alone
    # said "one of the tiers", and every answer held ""; found by the schemathesis fuzz).
    escalated_to = serializers.SerializerMethodField()
    procurement_method = serializers.SerializerMethodField()
    project_class = serializers.SerializerMethodField()  # blank for projects filed before classes

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "street",
            "street_name",
            "address",
            "latitude",
            "longitude",
            "category",
            "category_display",
            "project_class",
            "budget_amount",
            "reviewed_budget",
            "approved_budget",
            "tier",
            "tier_display",
            "status",
            "status_display",
            "review_due_date",
            "review_overdue",
            "escalated_to",
            "escalation_steps",
            "split_flagged",
            "split_justification",
            "procurement_method",
            "contractor",
            "contractor_name",
            "supervision_unit",
            "supervision_unit_name",
            "design_unit",
            "design_unit_name",
            "planned_start",
            "planned_end",
            "description",
            "created_by_name",
            "created_at",
            "submitted_at",
            "approved_at",
            "available_transitions",
            "public_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": ["", *ProjectClass.values]})
    def get_project_class(self, project) -> str:
        return project.project_class

    @extend_schema_field({"type": "string", "enum": ["", *Tier.values]})
    def get_escalated_to(self, project) -> str:
        return project.escalated_to

    @extend_schema_field({"type": "string", "enum": ["", *ProcurementMethod.values]})
    def get_procurement_method(self, project) -> str:
        return project.procurement_method

    def get_public_url(self, project) -> str:
        """The public page (阳光公示) the site sign's QR code points at."""
        return public_url(project, self.context.get("request"))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, project) -> list[str]:
        return available_transitions(project, self.context["request"].user)


class TransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
