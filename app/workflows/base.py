"""How a workflow is declared: states with labels, transitions with roles, guards and reason rules, editable states."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

from transitions import Machine

# A guard looks at one row and the firing context and returns None (ok) or a translated refusal.
Guard = Callable[[Any, "FireContext"], Optional[str]]


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table: `trigger` moves `sources` to `dest`, for `roles`, if every guard passes."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    label: Any
    requires_reason: bool = False
    guards: tuple[Guard, ...] = ()
    # extra column values written in the same UPDATE as the status (who decided, when, the remark)
    sets: Optional[Callable[[FireContext], dict[str, Any]]] = None


@dataclass
class FireContext:
    """Who fires, with which remark; guards and effects read it."""

    actor: Any
    roles: frozenset[str]
    remark: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _guard_text(guard: Guard) -> str:
    """A guard as the admin's table shows it: its translated `description`, else its docstring's first line."""
    description = getattr(guard, "description", None)
    if description is not None:
        return str(description)
    return (guard.__doc__ or guard.__name__).strip().splitlines()[0]


class Workflow:
    """A state machine declared once at import time; views, APIs, exports and diagrams read this table."""

    def __init__(
        self,
        name: str,
        model: Any,
        states: Mapping[str, Any],
        initial: str,
        transitions: Iterable[Transition],
        editable: Mapping[str, frozenset[str]] | None = None,
        refusals: Mapping[tuple[str, str], Any] | None = None,
        status_attr: str = "status",
        version_attr: str = "version",
        title: Any = None,
    ) -> None:
        self.name = name
        self.title = title or name  # what the admin's table and diagram call it (translated)
        self.model = model
        self.states = dict(states)  # value -> translated label
        self.initial = initial
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            if t.trigger in self.transitions:
                raise ValueError(f"{name}: trigger {t.trigger} declared twice")
            unknown = {*t.sources, t.dest} - set(self.states)
            if unknown:
                raise ValueError(f"{name}: {t.trigger} uses unknown states {unknown}")
            self.transitions[t.trigger] = t
        self.editable = dict(editable or {})  # state -> roles that may edit the record in that state
        self.refusals = dict(refusals or {})  # (trigger, state) -> specific message for an illegal source
        self.status_attr = status_attr
        self.version_attr = version_attr
        self.after_fire: list[Callable[[Workflow, str, list[Any], FireContext], None]] = []
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=initial,
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest}
                for t in self.transitions.values()
            ],
            auto_transitions=False,
            model_attribute=status_attr,
        )

    def destination(self, trigger: str, state: str) -> Optional[str]:
        """Where `trigger` leads from `state` according to the machine, or None if it is not legal there."""
        event = self.machine.events.get(trigger)
        if event is None:
            return None
        moves = event.transitions.get(state)
        return moves[0].dest if moves else None

    def triggers_from(self, state: str) -> list[str]:
        return [t for t in self.machine.get_triggers(state) if t in self.transitions]

    def label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def can_edit(self, state: str, roles: frozenset[str]) -> bool:
        return bool(self.editable.get(state, frozenset()) & roles)

    def table(self) -> list[dict[str, Any]]:
        """The workflow as rows for the admin's table view (and docs)."""
        return [
            {
                "trigger": t.trigger,
                "label": str(t.label),
                "from": [self.label(s) for s in t.sources],
                "to": self.label(t.dest),
                "roles": sorted(t.roles),
                "requires_reason": t.requires_reason,
                "guards": [_guard_text(g) for g in t.guards],
            }
            for t in self.transitions.values()
        ]
