"""Draws a workflow as SVG from the compiled `transitions` machine itself, so the picture can never drift."""
from __future__ import annotations

import html
import re
from collections import defaultdict, deque
from html import escape

from app.workflows.base import Workflow

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 180, 54, 170, 40, 30


def _depths(workflow: Workflow) -> dict[str, int]:
    """Breadth-first depth of each state from the initial one, following the machine's own transitions."""
    edges = _edges(workflow)
    depth = {workflow.initial: 0}
    queue = deque([workflow.initial])
    while queue:
        state = queue.popleft()
        for source, dest, _trigger in edges:
            if source == state and dest not in depth:
                depth[dest] = depth[state] + 1
                queue.append(dest)
    for state in workflow.machine.states:  # unreachable states still get drawn, at the end
        depth.setdefault(state, max(depth.values()) + 1)
    return depth


def _edges(workflow: Workflow) -> list[tuple[str, str, str]]:
    """(source, dest, trigger) for every transition compiled into the machine."""
    out = []
    for trigger, event in workflow.machine.events.items():
        for source, moves in event.transitions.items():
            for move in moves:
                out.append((source, move.dest, trigger))
    return out


def svg(workflow: Workflow) -> str:
    """A self-contained SVG: states as boxes in columns by depth, transitions as labelled arrows."""
    depth = _depths(workflow)
    columns: dict[int, list[str]] = defaultdict(list)
    for state in workflow.machine.states:
        columns[depth[state]].append(state)
    pos: dict[str, tuple[int, int]] = {}
    for col, states in columns.items():
        for row, state in enumerate(states):
            pos[state] = (MARGIN + col * (BOX_W + GAP_X), MARGIN + 40 + row * (BOX_H + GAP_Y * 3))
    parts = ['<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto">'
             '<path d="M0,0 L10,4 L0,8 z" fill="#555"/></marker></defs>']
    parallel: dict[tuple[str, str], int] = defaultdict(int)
    backs: list[tuple[str, str]] = []

    def parallel_back(source: str, dest: str) -> int:
        """Backward arrows are stacked one below the other so their labels never collide."""
        if depth[dest] > depth[source] or pos[source][0] == pos[dest][0]:
            return 0
        backs.append((source, dest))
        return len(backs) - 1

    for source, dest, trigger in sorted(_edges(workflow), key=lambda e: pos[e[0]][0] == pos[e[1]][0]):
        transition = workflow.transitions[trigger]
        label = str(transition.label)  # who may fire it is in the table and in the arrow's tooltip
        roles = "、".join(sorted(transition.roles))
        n = parallel[(source, dest)]
        parallel[(source, dest)] += 1
        parts.append(_arrow(pos[source], pos[dest], label, roles, forward=depth[dest] > depth[source], offset=n,
                            back_index=parallel_back(source, dest)))
    for state, (x, y) in pos.items():
        initial = state == workflow.initial
        editable = workflow.editable.get(state)
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="10" '
                     f'fill="{"#e8f4fd" if initial else "#fff"}" stroke="#337ab7" stroke-width="{2 if initial else 1.2}"/>')
        parts.append(f'<text x="{x + BOX_W / 2}" y="{y + 22}" text-anchor="middle" font-weight="bold">'
                     f'{escape(workflow.label(state))}</text>')
        who = "、".join(sorted(editable)) if editable else ""
        note = f"✎ {len(editable)}" if editable else "🔒"
        parts.append(f'<text x="{x + BOX_W / 2}" y="{y + 41}" text-anchor="middle" fill="#777" font-size="11">'
                     f'<title>{escape(who)}</title>{escape(state)} {note}</text>')
    body = "".join(parts)
    x0, y0, x1, y1 = _content_box(body.split("</defs>", 1)[-1])  # the arrow marker is not drawn at 0,0
    width, height = round(x1 - x0), round(y1 - y0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="{x0:g} {y0:g} {width} {height}" font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif" '
            f'font-size="13" role="img" aria-label="{escape(workflow.name)}">{body}</svg>')


_RECT = re.compile(r'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"')
_PATH = re.compile(r'<path d="([^"]+)"')
_TEXT = re.compile(r'<text x="([-\d.]+)" y="([-\d.]+)" text-anchor="(\w+)"([^>]*)>(?:<title>.*?</title>)?([^<]*)</text>')


def _text_width(text: str, size: float) -> float:
    """Rendered width estimate: CJK and emoji are about one em, Latin letters and digits about 0.62 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.62 for ch in text)


def _content_box(body: str) -> tuple[float, float, float, float]:
    """The box around every drawn box, curve (with its control points) and label, plus a margin: the viewBox,
    so no state or label lies outside the visible picture whatever the layout above computed."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y, w, h in _RECT.findall(body):
        xs += [float(x), float(x) + float(w)]
        ys += [float(y), float(y) + float(h)]
    for d in _PATH.findall(body):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
        xs += numbers[0::2]
        ys += numbers[1::2]
    for x, y, anchor, attrs, text in _TEXT.findall(body):
        size_match = re.search(r'font-size="([\d.]+)"', attrs)
        size = float(size_match.group(1)) if size_match else 13.0
        w, left = _text_width(html.unescape(text), size), float(x)
        left -= w / 2 if anchor == "middle" else w if anchor == "end" else 0
        xs += [left, left + w]
        ys += [float(y) - size, float(y) + size * 0.3]
    pad = MARGIN / 2
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _arrow(a: tuple[int, int], b: tuple[int, int], label: str, roles: str, forward: bool, offset: int,
           back_index: int = 0) -> str:
    """Forward arrows go straight between box edges; backward ones loop below the boxes, each a level lower."""
    (ax, ay), (bx, by) = a, b
    if ax == bx and ay != by:  # same column: straight down (or up) between the boxes, label beside the line
        x = ax + BOX_W / 2 + 30 + offset * 16
        y1, y2 = (ay + BOX_H, by) if by > ay else (ay, by + BOX_H)
        path = f"M{x},{y1} L{x},{y2}"
        lx, ly = x + 6, (y1 + y2) / 2 + 4
        return (f'<g><title>{escape(roles)}</title>'
                f'<path d="{path}" fill="none" stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>'
                f'<text x="{lx}" y="{ly}" text-anchor="start" fill="#333" font-size="12">{escape(label)}</text></g>')
    if forward and ay == by:
        shift = offset * 18
        x1, y1, x2, y2 = ax + BOX_W, ay + BOX_H / 2 - 8 + shift, bx, by + BOX_H / 2 - 8 + shift
        path = f"M{x1},{y1} L{x2},{y2}"
        lx, ly = (x1 + x2) / 2, y1 - 5
    elif forward:
        x1, y1, x2, y2 = ax + BOX_W, ay + BOX_H / 2, bx, by + BOX_H / 2
        path = f"M{x1},{y1} C{x1 + 80},{y1} {x2 - 80},{y2} {x2},{y2}"
        lx, ly = (x1 + x2) / 2 + 20, (y1 + y2) / 2 + 4
    else:
        x1, y1, x2, y2 = ax + BOX_W / 2 + 10, ay + BOX_H, bx + BOX_W / 2 - 10, by + BOX_H
        bottom = max(y1, y2) + 40 + back_index * 34
        path = f"M{x1},{y1} C{x1},{bottom} {x2},{bottom} {x2},{y2}"
        lx, ly = (x1 + x2) / 2, bottom - 4
    return (f'<g><title>{escape(roles)}</title>'
            f'<path d="{path}" fill="none" stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>'
            f'<text x="{lx}" y="{ly}" text-anchor="middle" fill="#333" font-size="12" paint-order="stroke" '
            f'stroke="#fff" stroke-width="4">{escape(label)}</text></g>')
