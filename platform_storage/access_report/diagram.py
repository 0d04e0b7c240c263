"""`access-report.svg`: workloads -> identities -> buckets and prefixes, left to right.

networkx holds the graph and gives its three columns (topological generations); the SVG is
written here, as plain boxes, arrows and text in a monospace font, so that every box is as wide
as its text without a font engine, and the file stays small and diffable. Every node and edge
carries an SVG id (`node:<label>`, `edge:<from>-><to>`, labels percent-encoded), and each edge's
path runs from its source's box to its target's, so that a test, or a reviewer's script, can
check the picture against the report.

(matplotlib drew it before: its import and a two-pass draw cost more than the proofs of a small
app, and 1.4 s for 200 runners, on every synth.)"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from platform_storage.access_report.model import CATEGORIES, Entry

COLUMNS = ("workload", "identity", "target")
TITLES = ("workloads", "identities", "buckets and prefixes")
COLOURS = {"workload": "#e8f1fb", "identity": "#fff4d6", "target": "#e7f6e7"}

FONT_PX = 11
LABEL_FONT_PX = 9
# The advance of a monospace glyph is 0.6 em in the common fonts; renderers that round it to
# whole pixels make it up to 0.64 em at these sizes, so boxes are sized for 0.65.
ADVANCE = 0.65
LINE_PX = 14
LABEL_LINE_PX = 11
WRAP = 48  # characters per line in a box
LABEL_WRAP = 40  # characters per line of an edge's label
PAD_PX = 8
ROW_GAP_PX = 16
LABEL_ROOM_PX = 24  # between a label and the columns either side
MARGIN_PX = 20
TITLE_PX = 30


def node_id(label: str) -> str:
    return "node:" + quote(label, safe="")


def edge_id(source: str, target: str) -> str:
    return "edge:" + quote(source, safe="") + "->" + quote(target, safe="")


def edges(entries: list[Entry]) -> list[tuple[str, str, str]]:
    """(from, to, label) for every edge the diagram draws."""
    found = []
    for entry in entries:
        found += [(w, entry.label, "acts as") for w in entry.workloads]
        for access in entry.access:
            rights = [c for c in CATEGORIES if c in access.categories] + list(access.other)
            found.append((entry.label, access.target.label, ", ".join(rights)))
    return found


@dataclass(frozen=True)
class Box:
    """A node's box: its column, its centre, its size and its text lines."""

    column: int
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width / 2


def _lines(label: str, width: int = WRAP) -> tuple[str, ...]:
    return tuple(textwrap.wrap(label, width, break_on_hyphens=False)) or ("",)


def _text_width(lines: Iterable[str], font_px: float = FONT_PX) -> float:
    return max((len(line) for line in lines), default=0) * ADVANCE * font_px


def _layers(entries: list[Entry], drawn: list[tuple[str, str, str]]) -> list[list[str]]:
    """The nodes by column, each column ordered so that edges cross little."""
    graph = nx.DiGraph()
    graph.add_edges_from((source, target) for source, target, _ in drawn)
    columns = [set(nodes) for nodes in nx.topological_generations(graph)]
    # Each node at the mean row of its neighbours already placed (identities keep the
    # report's order), ties by name.
    row = {entry.label: float(index) for index, entry in enumerate(entries)}
    layers: list[list[str]] = []
    for index, nodes in enumerate(columns):
        if index == 1:
            ordered = sorted(nodes, key=lambda n: row.get(n, 0.0))
        else:

            def rank(node: str) -> tuple[float, str]:
                near = [
                    row[n] for n in (*graph.successors(node), *graph.predecessors(node)) if n in row
                ]
                return (sum(near) / len(near) if near else 0.0, node)

            ordered = sorted(nodes, key=rank)
        row.update({node: float(i) for i, node in enumerate(ordered) if index != 1})
        layers.append(ordered)
    return layers


@dataclass(frozen=True)
class Picture:
    edges: list[tuple[str, str, str]]  # (source, target, label), as `edges` gives them
    boxes: dict[str, Box]
    centres: tuple[float, ...]  # each column's centre
    width: float
    height: float


def layout(entries: list[Entry]) -> Picture:
    """Every node's box and the picture's size. Columns are as wide as their widest box; the
    rows of a column are spread evenly over the tallest column's height."""
    drawn = edges(entries)
    layers = _layers(entries, drawn)
    lines = {node: _lines(node) for nodes in layers for node in nodes}
    labels = [_lines(label, LABEL_WRAP) for _, _, label in drawn if label != "acts as"]
    gap = max((_text_width(ls, LABEL_FONT_PX) for ls in labels), default=0.0) + 2 * LABEL_ROOM_PX
    pitch = max((len(ls) for ls in lines.values()), default=1) * LINE_PX + 2 * PAD_PX + ROW_GAP_PX
    tallest = max((len(nodes) for nodes in layers), default=1)
    boxes: dict[str, Box] = {}
    centres = []
    left = float(MARGIN_PX)
    for column, nodes in enumerate(layers):
        widths = {n: _text_width(lines[n]) + 2 * PAD_PX for n in nodes}
        width = max(widths.values(), default=0.0)
        centres.append(left + width / 2)
        spacing = tallest * pitch / max(len(nodes), 1)
        for index, node in enumerate(nodes):
            boxes[node] = Box(
                column=column,
                x=centres[-1],
                y=MARGIN_PX + TITLE_PX + (index + 0.5) * spacing,
                width=widths[node],
                height=len(lines[node]) * LINE_PX + 2 * PAD_PX,
                lines=lines[node],
            )
        left += width + gap
    return Picture(
        edges=drawn,
        boxes=boxes,
        centres=tuple(centres),
        width=left - gap + MARGIN_PX,
        height=2 * MARGIN_PX + TITLE_PX + tallest * pitch,
    )


def render_svg(entries: list[Entry]) -> str:
    picture = layout(entries)
    width, height = picture.width, picture.height
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
        f' viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, Menlo,'
        f' Consolas, monospace" font-size="{FONT_PX}">',
        "<title>Who reaches what: workloads, the identities they act as, and the buckets and"
        " prefixes those reach</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
        ' fill="#555555"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    for centre, title in zip(picture.centres, TITLES, strict=False):
        out.append(
            f'<text x="{centre:.1f}" y="{MARGIN_PX + TITLE_PX / 2:.1f}" text-anchor="middle"'
            f' font-weight="bold" font-size="{FONT_PX + 2}">{escape(title)}</text>'
        )
    for source, target, label in picture.edges:
        out += _edge(source, target, label, picture.boxes[source], picture.boxes[target])
    for node, box in picture.boxes.items():
        out += _node(node, box)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _edge(source: str, target: str, label: str, start: Box, end: Box) -> Iterable[str]:
    ident = edge_id(source, target)
    yield (
        f'<path id={quoteattr(ident)} d="M{start.right:.1f},{start.y:.1f}'
        f' L{end.left:.1f},{end.y:.1f}" stroke="#555555" stroke-width="1" fill="none"'
        ' marker-end="url(#arrow)"/>'
    )
    if label and label != "acts as":
        # Half-way, where the edges leaving one identity are already apart; lines stack upward.
        x = start.right + 0.5 * (end.left - start.right)
        y = start.y + 0.5 * (end.y - start.y) - 3
        lines = _lines(label, LABEL_WRAP)
        yield (
            f'<text id={quoteattr(ident + ":label")} text-anchor="middle"'
            f' font-size="{LABEL_FONT_PX}" fill="#333333" stroke="#ffffff" stroke-width="3"'
            ' paint-order="stroke">'
        )
        for index, line in enumerate(lines):
            yield _line(line, x, y - (len(lines) - 1 - index) * LABEL_LINE_PX)
        yield "</text>"


def _line(text: str, x: float, y: float) -> str:
    return f'<tspan x="{x:.1f}" y="{y:.1f}">{escape(text)}</tspan>'


def _node(node: str, box: Box) -> Iterable[str]:
    top = box.y - box.height / 2
    fill = COLOURS[COLUMNS[min(box.column, 2)]]
    yield f"<g id={quoteattr(node_id(node))}>"
    yield (
        f'<rect x="{box.left:.1f}" y="{top:.1f}" width="{box.width:.1f}"'
        f' height="{box.height:.1f}" rx="5" fill="{fill}" stroke="#888888"/>'
    )
    yield '<text text-anchor="middle">'
    for index, line in enumerate(box.lines):
        yield _line(line, box.x, top + PAD_PX + (index + 0.8) * LINE_PX)
    yield "</text>"
    yield "</g>"
