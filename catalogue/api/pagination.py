"""Page-number pagination shared by every list endpoint: {count, next, previous, results}."""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        # DRF silently clamps or ignores a bad page_size; a partner should be told instead.
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError(
                {"page_size": f"must be a whole number from 1 to {MAX_PAGE_SIZE}"}
            ) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"must be from 1 to {MAX_PAGE_SIZE}; got {size}"})
        return size
