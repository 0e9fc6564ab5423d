"""EMP-3: the destination workspace's one-click export sets (全国就业系统导出, 学校字段) and the proof files of the
selection, written by the national export (streamed, masked, audited) over the list's own selection."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from app.models.destination import Destination
from app.services.review.workspace import FieldSets


def _filter(records: Any) -> Any:
    """The listed versions themselves (an open change included), scoped again by the national export."""
    from app.services.national_export import NationalFilter

    return NationalFilter(where=(Destination.id.in_(records),), current_only=False)


def _choices() -> list[dict[str, Any]]:
    from app.services.national_export import chooser_sets

    return chooser_sets()


def _write(target: Any, key: str, records: Any, user: Any, progress: Optional[Callable[[int], None]] = None,
           actor: Any = None) -> int:
    from app.services.national_export import write_national

    return write_national(target, _filter(records), user, key, progress=progress, actor=actor)


def _proofs(records: Any, user: Any) -> Iterator[bytes]:
    from app.services import proof_zip

    return proof_zip.export(_filter(records), user)


NATIONAL_SETS = FieldSets(choices=_choices, write=_write, proofs=_proofs)
