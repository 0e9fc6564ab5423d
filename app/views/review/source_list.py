"""SRC-8/10/11: the source-information reviewer list, the source workspace's declaration on the shared list view."""
from __future__ import annotations

from app.services.review.source import SOURCE
from app.views.review.workspace_list import WorkspaceListView


class SourceReviewView(WorkspaceListView):
    route_base = "/review/source"
    class_permission_name = "SourceReview"
    workspace = SOURCE
