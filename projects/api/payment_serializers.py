"""Funds API shapes, for the finance department's payment system."""

from rest_framework import serializers

from core.serializers import AmountField

from ..choices import PaymentStage
from ..models import Payment


class PaymentRequestInputSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=PaymentStage.choices)
    amount = serializers.CharField()
    payee_account = serializers.CharField(required=False, allow_blank=True, max_length=40)
    work_value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    invoice_code = serializers.CharField(required=False, allow_blank=True, max_length=12)
    invoice_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    invoice_amount = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class PaymentOutputSerializer(serializers.ModelSerializer):
    amount = AmountField()
    project_code = serializers.CharField(source="project.code")

    class Meta:
        model = Payment
        fields = [
            "id",
            "project",
            "project_code",
            "stage",
            "amount",
            "payee_name",
            "payee_account",
            "invoice_code",
            "invoice_number",
            "invoice_amount",
            "status",
            "created_at",
            "approved_at",
            "paid_on",
            "voucher_no",
            "compliant",
            "override_reason",
            "return_reason",
        ]
        read_only_fields = fields


class ApproveInputSerializer(serializers.Serializer):
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReturnInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class PaidInputSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    voucher_no = serializers.CharField(max_length=60)


class SettlementInputSerializer(serializers.Serializer):
    amount = serializers.CharField()
    review_record = serializers.CharField(max_length=4000)
