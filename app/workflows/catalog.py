"""Every declared workflow, for the admin's table and diagram views (and docs); add new workflows here."""
from __future__ import annotations

from app.workflows.base import Workflow
from app.workflows.change_request import CHANGE_REQUEST
from app.workflows.destination import DESTINATION
from app.workflows.source_info import SOURCE_INFO
from app.workflows.supplementary import SUPPLEMENTARY

WORKFLOWS: dict[str, Workflow] = {w.name: w for w in (SOURCE_INFO, CHANGE_REQUEST, SUPPLEMENTARY, DESTINATION)}
