"""Funds API: requests, finance's decisions, the ledger, settlement, progress."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.replica import ReplicaReadsMixin

from .. import services
from ..models import Payment
from ..permissions import access_project
from ..selectors import payment_list
from . import payment_serializers as s
from .serializers import ProjectOutputSerializer


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PaymentLedgerApi(ReplicaReadsMixin, ListAPIView):
    """Every payment the caller can see, newest first; filters status, stage, q."""

    serializer_class = s.PaymentOutputSerializer
    queryset = Payment.objects.none()  # for the schema; rows come from the selector

    def get_queryset(self):
        return payment_list(user=self.request.user, filters=self.request.query_params)


class ProjectPaymentsApi(APIView):
    @extend_schema(responses=s.PaymentOutputSerializer(many=True))
    def get(self, request, pk: int):
        project = access_project(request.user, pk)
        payments = payment_list(user=request.user).filter(project=project)
        return Response(s.PaymentOutputSerializer(payments, many=True).data)

    @extend_schema(
        request=s.PaymentRequestInputSerializer, responses={201: s.PaymentOutputSerializer}
    )
    def post(self, request, pk: int):
        data = _valid(s.PaymentRequestInputSerializer, request)
        payment = services.payment_request(actor=request.user, project_id=pk, **data)
        return Response(s.PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentApproveApi(APIView):
    @extend_schema(request=s.ApproveInputSerializer, responses=s.PaymentOutputSerializer)
    def post(self, request, payment_id: int):
        data = _valid(s.ApproveInputSerializer, request)
        payment = services.payment_approve(actor=request.user, payment_id=payment_id, **data)
        return Response(s.PaymentOutputSerializer(payment).data)


class PaymentReturnApi(APIView):
    @extend_schema(request=s.ReturnInputSerializer, responses=s.PaymentOutputSerializer)
    def post(self, request, payment_id: int):
        data = _valid(s.ReturnInputSerializer, request)
        payment = services.payment_return(actor=request.user, payment_id=payment_id, **data)
        return Response(s.PaymentOutputSerializer(payment).data)


class PaymentPaidApi(APIView):
    @extend_schema(request=s.PaidInputSerializer, responses=s.PaymentOutputSerializer)
    def post(self, request, payment_id: int):
        data = _valid(s.PaidInputSerializer, request)
        payment = services.payment_mark_paid(actor=request.user, payment_id=payment_id, **data)
        return Response(s.PaymentOutputSerializer(payment).data)


class SettlementApi(APIView):
    @extend_schema(request=s.SettlementInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.SettlementInputSerializer, request)
        services.settlement_record(actor=request.user, project_id=pk, **data)
        project = access_project(request.user, pk)
        return Response(
            ProjectOutputSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
