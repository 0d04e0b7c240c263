"""`access-report.svg`: workloads -> identities -> buckets and prefixes, left to right.

networkx holds the graph and lays it out in three columns; matplotlib draws it. Every node and
edge carries an SVG id (`node:<label>`, `edge:<from>-><to>`, labels percent-encoded) so that a
test, or a reviewer's script, can check the picture against the report."""

from __future__ import annotations

import io
import textwrap
from urllib.parse import quote

from platform_storage.access_report.model import CATEGORIES, Entry

COLUMNS = ("workload", "identity", "target")
COLOURS = {"workload": "#e8f1fb", "identity": "#fff4d6", "target": "#e7f6e7"}


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


def render_svg(entries: list[Entry]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.patches import FancyArrowPatch

    graph = nx.DiGraph()
    drawn = edges(entries)
    for source, target, label in drawn:
        graph.add_edge(source, target, label=label)
    # The columns are the graph's generations: workloads, then identities, then targets.
    columns = [set(nodes) for nodes in nx.topological_generations(graph)]
    # Rows ordered so that edges cross little: each node at the mean row of its neighbours in
    # the column before (identities keep the report's order), ties by name.
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
    tallest = max((len(nodes) for nodes in layers), default=1)
    positions = {
        node: (index * 10.0, (len(nodes) - 1) / 2 - i)
        for index, nodes in enumerate(layers)
        for i, node in enumerate(nodes)
    }
    layer_of = {node: index for index, nodes in enumerate(layers) for node in nodes}

    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "platform-storage"}):
        figure, axes = plt.subplots(figsize=(22, max(3.0, 0.8 * tallest + 1.5)))
        axes.set_axis_off()
        half = tallest / 2 + 0.5
        axes.set_xlim(-5, 25)
        axes.set_ylim(-half, half + 0.5)
        for layer, title in enumerate(("workloads", "identities", "buckets and prefixes")):
            axes.text(
                layer * 10.0, half, title, ha="center", va="bottom", fontsize=11, fontweight="bold"
            )
        for source, target, label in drawn:
            (x0, y0), (x1, y1) = positions[source], positions[target]
            arrow = FancyArrowPatch(
                (x0 + 3.2, y0),
                (x1 - 3.2, y1),
                arrowstyle="->",
                mutation_scale=10,
                color="#555555",
                linewidth=0.8,
            )
            axes.add_patch(arrow)
            arrow.set_gid(edge_id(source, target))
            if label and label != "acts as":
                # Half-way, where edges leaving one identity are already apart.
                text = axes.text(
                    x0 + 0.5 * (x1 - x0),
                    y0 + 0.5 * (y1 - y0) + 0.08,
                    label,
                    fontsize=6,
                    color="#333333",
                    ha="center",
                    va="bottom",
                )
                text.set_gid(edge_id(source, target) + ":label")
        for node, (x, y) in positions.items():
            column = COLUMNS[min(layer_of[node], 2)]
            shown = "\n".join(textwrap.wrap(node, 48, break_on_hyphens=False))
            text = axes.text(
                x,
                y,
                shown,
                ha="center",
                va="center",
                fontsize=7,
                bbox={"boxstyle": "round,pad=0.3", "fc": COLOURS[column], "ec": "#888888"},
            )
            text.set_gid(node_id(node))
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(figure)
    return buffer.getvalue()
