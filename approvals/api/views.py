"""Approval API: one thin view per operation (input serializer → service → output)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from core.replica import ReplicaReadsMixin
from projects.api.serializers import ProjectOutputSerializer
from projects.permissions import access_project

from .. import routes, services
from ..models import Flag, Lottery
from ..selectors import flag_list
from . import serializers as s


def _project(request, pk, code=status.HTTP_200_OK):
    project = access_project(request.user, pk)
    return Response(
        ProjectOutputSerializer(project, context={"request": request}).data, status=code
    )


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProjectTransitionApi(APIView):
    @extend_schema(request=s.TransitionInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int, name: str):
        data = _valid(s.TransitionInputSerializer, request)
        services.project_transition(
            actor=request.user,
            project_id=pk,
            name=name,
            comment=data.get("comment", ""),
            params={k: data.get(k) for k in routes.table().inputs()},
            split_justification=data.get("split_justification", ""),
        )
        return _project(request, pk)


class DirectAwardApi(APIView):
    @extend_schema(request=s.DirectAwardInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.DirectAwardInputSerializer, request)
        services.direct_award(
            actor=request.user,
            project_id=pk,
            contractor_id=data["contractor"],
            reason=data["reason"],
        )
        return _project(request, pk)


class LotteryApi(APIView):
    @extend_schema(responses=s.LotteryOutputSerializer)
    def get(self, request, pk: int):
        project = access_project(request.user, pk)
        lottery = (
            Lottery.objects.filter(project=project)
            .select_related("winner")
            .prefetch_related("contributions")
            .first()
        )
        if lottery is None:
            raise ApplicationError(_("没有抽签记录。"), status=404)
        return Response(s.LotteryOutputSerializer(lottery).data)


class LotteryShortlistApi(APIView):
    @extend_schema(request=s.ShortlistInputSerializer, responses=s.LotteryOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.ShortlistInputSerializer, request)
        lottery = services.lottery_shortlist(
            actor=request.user, project_id=pk, contractor_ids=data["contractors"]
        )
        return Response(s.LotteryOutputSerializer(lottery).data, status=201)


class LotteryCommitApi(APIView):
    """A party's commitment: the SHA-256 of its secret (approvals/lottery.py)."""

    @extend_schema(request=s.CommitInputSerializer, responses=s.LotteryOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.CommitInputSerializer, request)
        services.lottery_commit(actor=request.user, project_id=pk, commitment=data["commitment"])
        return _lottery(pk)


class LotteryRevealApi(APIView):
    """A party's secret, once every party has committed."""

    @extend_schema(request=s.RevealInputSerializer, responses=s.LotteryOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.RevealInputSerializer, request)
        services.lottery_reveal(actor=request.user, project_id=pk, secret=data["secret"])
        return _lottery(pk)


def _lottery(pk: int) -> Response:
    lottery = Lottery.objects.prefetch_related("contributions").get(project_id=pk)
    return Response(s.LotteryOutputSerializer(lottery).data)


class LotteryDrawApi(APIView):
    @extend_schema(request=None, responses=s.LotteryOutputSerializer)
    def post(self, request, pk: int):
        lottery = services.lottery_draw(actor=request.user, project_id=pk)
        return Response(s.LotteryOutputSerializer(lottery).data)


class TenderApi(APIView):
    @extend_schema(request=s.TenderInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.TenderInputSerializer, request)
        services.tender_record(
            actor=request.user,
            project_id=pk,
            notice_date=data["notice_date"],
            bids=[(b["bidder"], b["amount"]) for b in data["bids"]],
            winner_id=data["winner"],
            reason=data["reason"],
            notice_reference=data.get("notice_reference", ""),
        )
        return _project(request, pk)


class ConsultationApi(APIView):
    @extend_schema(request=s.ConsultationInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.ConsultationInputSerializer, request)
        services.consultation_record(
            actor=request.user,
            project_id=pk,
            notice_date=data["notice_date"],
            panel=data["panel"],
            quotes=[(q["supplier"], q["amount"], q["score"]) for q in data["quotes"]],
            winner_id=data["winner"],
            reason=data["reason"],
            notice_reference=data.get("notice_reference", ""),
        )
        return _project(request, pk)


class FrameworkOrderApi(APIView):
    @extend_schema(request=s.FrameworkOrderInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.FrameworkOrderInputSerializer, request)
        services.framework_order(
            actor=request.user,
            project_id=pk,
            agreement_id=data["agreement"],
            reason=data["reason"],
        )
        return _project(request, pk)


class ContractApi(APIView):
    @extend_schema(request=s.ContractInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = dict(_valid(s.ContractInputSerializer, request))
        services.contract_file(actor=request.user, project_id=pk, data=data)
        return _project(request, pk, status.HTTP_201_CREATED)


class ChangeRequestApi(APIView):
    @extend_schema(request=s.ChangeInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.ChangeInputSerializer, request)
        change = services.change_request(
            actor=request.user,
            project_id=pk,
            amount_delta=data["amount_delta"],
            reason=data["reason"],
        )
        return Response({"id": change.pk, "status": change.status}, status=201)


class ChangeDecisionApi(APIView):
    @extend_schema(request=s.ChangeDecisionInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, change_id: int):
        data = _valid(s.ChangeDecisionInputSerializer, request)
        change = services.change_decide(
            actor=request.user,
            change_id=change_id,
            approve=data["approve"],
            comment=data.get("comment", ""),
        )
        return _project(request, change.project_id)


class EscalationApproveApi(APIView):
    @extend_schema(request=s.CommentInputSerializer, responses=ProjectOutputSerializer)
    def post(self, request, pk: int):
        data = _valid(s.CommentInputSerializer, request)
        services.escalation_approve(
            actor=request.user, project_id=pk, comment=data.get("comment", "")
        )
        return _project(request, pk)


class FlagListApi(ReplicaReadsMixin, ListAPIView):
    serializer_class = s.FlagOutputSerializer
    queryset = Flag.objects.none()  # for the schema; the real rows come from the selector

    def get_queryset(self):
        return flag_list(user=self.request.user)
