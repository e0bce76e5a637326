"""POST /api/v1/submissions/ and the partner's own submissions (scope `submit`)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from catalogue.api.views import CatalogueViewSet
from partners.auth import HasSubmitScope
from partners.models import ApiKey, Submission
from partners.selectors import submission_list
from partners.serializers import SubmissionInputSerializer, SubmissionSerializer
from partners.services import submission_create
from partners.throttling import SubmissionRateThrottle

EXAMPLE = {
    "product": {
        "name": "数据资产质押贷",
        "institution": "交通银行湖南省分行",
        "category": "data-asset-pledge-loan",
        "themes": ["digital-finance", "tech-finance"],
        "target_clients": "数据资源型科技企业",
        "collateral": "数据资产",
        "description": "以企业登记的数据资产作质押发放的流动资金贷款。",
    },
    "case": {
        "date": "2024-05-20",
        "amount": "5000000",
        "currency": "CNY",
        "term_months": 12,
        "client": "长沙某数据服务企业",
        "province": "430000",
        "city": "长沙市",
        "milestone": "",
        "summary": "凭数据资产登记证书获得500万元贷款。",
    },
    "sources": [
        {
            "title": "交通银行湖南省分行落地数据资产质押贷款",
            "url": "https://www.example.com/news/2024/05/20/data-pledge.html",
            "publisher": "交通银行湖南省分行",
            "locator": "第2段",
            "excerpt": "凭数据资产登记证书获得500万元贷款",
        }
    ],
}


class SubmissionFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Submission.Status.choices, help_text="Review state(s).")

    class Meta:
        model = Submission
        fields = ["status"]


class SubmissionViewSet(mixins.CreateModelMixin, CatalogueViewSet):
    """Your organisation's submissions of new products, each with its first case and sources.
    A submission is stored as a draft; a curator publishes it (it then appears in /products/ and
    /cases/ with keys `sub-<id>` and `sub-<id>-1`) or rejects it with a reason. You see only your
    organisation's submissions."""

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    permission_classes = [HasSubmitScope]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, SubmissionRateThrottle]
    queryset = Submission.objects.none()
    ordering_fields = {"created": "created", "modified": "modified"}

    def get_queryset(self) -> QuerySet[Submission]:
        key = getattr(getattr(self, "request", None), "auth", None)
        if not isinstance(key, ApiKey):
            return Submission.objects.none()
        return submission_list(partner=key.partner).order_by("-created", "-id")

    @extend_schema(
        request=SubmissionInputSerializer,
        responses={201: SubmissionSerializer},
        examples=[OpenApiExample("a data-asset pledge loan", value=EXAMPLE, request_only=True)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SubmissionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = submission_create(key=request.auth, data=data.validated_data)
        body = self.get_serializer(submission).data
        location = reverse("api:submission-detail", args=[submission.pk], request=request)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})
