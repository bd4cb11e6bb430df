"""Serializer fields shared across the API."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .money import parse_amount


# A decimal string ("38000.00"), as DRF's DecimalField is documented; OpenApiTypes.DECIMAL
# documented a JSON number, which no answer ever was (found by the schemathesis fuzz).
@extend_schema_field({"type": "string", "format": "decimal", "example": "38000.00"})
class AmountField(serializers.Field):
    """Money in 元 as a decimal string, checked by core.money.parse_amount."""

    def to_internal_value(self, data):
        try:
            return parse_amount(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value):
        return None if value is None else f"{value:.2f}"
