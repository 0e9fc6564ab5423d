"""Every declared workflow, for the admin's table and diagram views (and docs); add new workflows here."""
from __future__ import annotations

from app.workflows.agreement import AGREEMENT
from app.workflows.base import Workflow
from app.workflows.change_request import CHANGE_REQUEST
from app.workflows.destination import DESTINATION
from app.workflows.employer_registration import EMPLOYER_REGISTRATION
from app.workflows.number_request import NUMBER_REQUEST
from app.workflows.out_of_province import OUT_OF_PROVINCE
from app.workflows.source_info import SOURCE_INFO
from app.workflows.supplementary import SUPPLEMENTARY
from app.workflows.termination import TERMINATION

WORKFLOWS: dict[str, Workflow] = {w.name: w for w in (
    SOURCE_INFO, CHANGE_REQUEST, SUPPLEMENTARY, DESTINATION, EMPLOYER_REGISTRATION, NUMBER_REQUEST, AGREEMENT,
    TERMINATION, OUT_OF_PROVINCE)}
