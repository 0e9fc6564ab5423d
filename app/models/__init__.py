"""All GEMS models, imported here so Alembic and FAB see one metadata."""
from __future__ import annotations

from app.models.agreement import (
    Agreement,
    AgreementEvidence,
    AgreementNumber,
    NumberRequest,
    OutOfProvinceApplication,
    SigningStatus,
)
from app.models.audit import AuditHead, AuditLog
from app.models.change import ChangeRequest, Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import Employer, EmployerRegisterEntry
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort, Department, DepartmentKind, Major
from app.models.plan import PlanConfirmation, PlanLockEvent, StatRefresh, StatRollup, StatSnapshot
from app.models.preference import UserPreference
from app.models.reconcile import ReconcileDifference, ReconcileRun
from app.models.reference import (
    Country,
    DestinationCode,
    EmployerNature,
    Industry,
    JobCategory,
    NumberRequestReason,
    RejectionReason,
    TerminationReason,
)
from app.models.registry import ImportJob, RegistryRecord
from app.models.security import LoginThrottle
from app.models.supplementary import SupplementaryReport
from app.models.termination import Termination, TerminationEvidence
from app.models.user import User
from app.models.workflow_setting import WorkflowSetting

__all__ = [
    "Agreement",
    "AgreementEvidence",
    "AgreementNumber",
    "AuditHead",
    "AuditLog",
    "ChangeRequest",
    "Cohort",
    "Country",
    "Department",
    "DepartmentKind",
    "Destination",
    "DestinationCode",
    "DestinationEvidence",
    "Employer",
    "EmployerNature",
    "EmployerRegisterEntry",
    "Evidence",
    "Graduate",
    "ImportJob",
    "Industry",
    "JobCategory",
    "LoginThrottle",
    "Major",
    "Notification",
    "NumberRequest",
    "NumberRequestReason",
    "OutOfProvinceApplication",
    "PlanConfirmation",
    "PlanLockEvent",
    "ReconcileDifference",
    "ReconcileRun",
    "RegistryRecord",
    "RejectionReason",
    "SigningStatus",
    "StatRefresh",
    "StatRollup",
    "StatSnapshot",
    "SupplementaryReport",
    "Termination",
    "TerminationEvidence",
    "TerminationReason",
    "User",
    "UserPreference",
    "WorkflowSetting",
]
