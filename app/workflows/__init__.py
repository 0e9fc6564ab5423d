"""Workflow declarations (one file per workflow) and the engine that is the only code changing a status."""
from __future__ import annotations

from app.workflows.base import Guard, Transition, Workflow
from app.workflows.engine import FireResult, RecordResult, WorkflowError, fire, fire_many

__all__ = ["FireResult", "Guard", "RecordResult", "Transition", "Workflow", "WorkflowError", "fire", "fire_many"]
