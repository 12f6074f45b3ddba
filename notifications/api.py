"""Notifications REST API: the user's inbox of notices, the unread count, marking read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Notification
from .services import mark_read


class NotificationPage(PageNumberPagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]


class NotificationListView(APIView):
    @extend_schema(responses={200: NotificationSerializer(many=True)})
    def get(self, request):
        qs = Notification.objects.inbox_of(request.user).order_by("-created_at", "-pk")
        paginator = NotificationPage()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class UnreadCountView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        count = Notification.objects.inbox_of(request.user).filter(read_at__isnull=True).count()
        return Response({"unread": count})


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=1000
    )


class MarkReadView(APIView):
    @extend_schema(request=MarkReadSerializer, responses={200: dict})
    def post(self, request):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = mark_read(user=request.user, notification_ids=body.validated_data.get("ids"))
        return Response({"marked": updated})
