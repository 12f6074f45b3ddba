"""Working-day deadline API (placeholder, being written)."""

from rest_framework.views import APIView


class DeadlineView(APIView):
    pass
