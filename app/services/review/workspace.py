"""One reviewer workspace per workflow: a declaration the list, filters, tree, batch, export, print and API read.

The source review and the destination review are two declarations (app.services.review.source / .destination);
the agreements and terminations issue adds its own the same way. Every record of a workspace belongs to a graduate:
cohort, department, major, keyword and pasted-list filters, the scope and the tree work on that graduate.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import Select

from app.services.review.columns import Column


def _same(stmt: Select[Any]) -> Select[Any]:
    return stmt


@dataclass(frozen=True)
class Filter:
    """A filter of one workspace beyond the common ones: its URL argument, how a raw value is read (None: ignored,
    never sent to SQL), the WHERE condition for a value, and the choices the filter bar offers."""

    arg: str
    label: Any
    parse: Callable[[str], Any]
    clause: Callable[[Any], Any]
    choices: Callable[[], list[tuple[str, Any]]]
    doc: str = ""  # the REST door's description of the argument (OpenAPI)
    enum: tuple[str, ...] = ()  # the argument's only values, where they are fixed
    reads: tuple[str, ...] = ()  # further URL arguments `parse` is given after the filter's own (raw text, "" if absent)


@dataclass(frozen=True)
class FieldSets:
    """One-click export sets beyond the workspace's columns (the national file, the school's fields) and the
    selection's proof files; each is given the selection as a SELECT of record ids, never a list of a million."""

    choices: Callable[[], list[dict[str, Any]]]  # key, label, headers of each set
    write: Callable[..., int]  # (target, key, records, user, progress, actor) -> rows written (streamed, audited)
    proofs: Optional[Callable[[Any, Any], Any]] = None  # (records, user) -> the zip's bytes, chunk by chunk

    def labels(self) -> dict[str, str]:
        return {s["key"]: str(s["label"]) for s in self.choices()}


@dataclass(eq=False)
class Workspace:
    """What a workflow declares to get the reviewer's workspace (SRC-8 … SRC-12, EMP-2, EMP-3)."""

    name: str  # /review/<name>/, preference keys, export jobs
    prefix: str  # view classes <prefix>ReviewView, <prefix>DetailView, <prefix>ExportView, <prefix>ReviewApi
    title: Any
    workflow: Any
    model: Any  # the reviewed rows: id, version, status
    columns: tuple[Column, ...]
    owner_key: Any = None  # the model's column naming its graduate; None when the model is the graduate itself
    joins: Callable[[Select[Any]], Select[Any]] = _same  # outer joins the columns and filters need beyond these
    live: Optional[Callable[[], Any]] = None  # which rows are listed at all (the others are history)
    # when set, the list has one row per graduate: the graduate outer-joined to the one record this condition picks
    # (a graduate without one is listed with empty record columns), so a count of graduates equals the list's total
    per_graduate: Optional[Callable[[], Any]] = None
    # why records may not be changed outside the engine (batch modify): {record id: the refusal}, for the given ids
    closed: Optional[Callable[[list[int]], dict[int, str]]] = None
    field_sets: Optional[FieldSets] = None
    filters: tuple[Filter, ...] = ()
    batch_fields: Mapping[str, Any] = field(default_factory=dict)
    audit_type: str = "graduate"
    export_title: Any = None
    export_filename: Any = None
    print_label: Any = None  # the print button (the print page itself is the export view's print_sheets)
    reasons: bool = False  # a rejection picks reasons from the configurable list (RejectionReason) plus free text
    # further triggers of the workflow offered as they are, beyond approve/reject (archive, revoke …): a button on
    # the record page where it applies, a batch action on the list, an action of the REST door
    actions: tuple[str, ...] = ()
    default_sort: str = "student_no"

    def __post_init__(self) -> None:
        self.by_key = {c.key: c for c in self.columns}
        self.default_keys = [c.key for c in self.columns if c.default]
        self.sortable = {c.key for c in self.columns if c.sortable}
        self.filter_args = tuple(f.arg for f in self.filters)
        assert not self.sortable & {c.key for c in self.columns if c.mask}, "masked columns are never sortable (X-3)"

    def chosen(self, keys: Optional[list[str]]) -> list[Column]:
        """The columns a user picked, in the declaration's order; unknown keys are ignored, none means defaults."""
        wanted = [k for k in (keys or []) if k in self.by_key] or self.default_keys
        return [c for c in self.columns if c.key in wanted]

    def endpoint(self, view: str, method: str) -> str:
        """The Flask endpoint of one of this workspace's screens, e.g. endpoint("Review", "index")."""
        return f"{self.prefix}{view}View.{method}"

    @property
    def pref_key(self) -> str:
        return "review.source" if self.name == "source" else f"review.{self.name}"


WORKSPACES: dict[str, Workspace] = {}


def register(workspace: Workspace) -> Workspace:
    WORKSPACES[workspace.name] = workspace
    return workspace


def get(name: str) -> Workspace:
    """A declared workspace by name (declarations are imported on first use)."""
    if name not in WORKSPACES:
        from app.services.review import destination, source  # noqa: F401  (each registers itself)
    return WORKSPACES[name]


def source() -> Workspace:
    return get("source")
