"""Server-rendered SVG charts (no JavaScript, no CDN), for the annual report and the console's Statistikk page.

Every chart has a ``<title>`` and ``<desc>`` for screen readers; the page shows a table of the same figures
under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, width: int = 640,
    height: int = 240,
) -> str:
    """Grouped vertical bars: one group per label, one bar per series (name, values), with a legend."""
    colours = ("#1f5f8b", "#e0a030", "#6a9a3a", "#a33b3b")
    left, bottom, top = 48, 40, 28
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([v for _, values in series for v in values] + [1])
    group_w = plot_w / max(len(labels), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(title)}: {escape(', '.join(name for name, _ in series))} per {len(labels)} perioder; "
        "tallene står i tabellen under.</desc>",
        f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#444"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.1
        for j, (_, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colours[j % len(colours)]}"><title>{escape(label)}: {value}</title></rect>'
            )
        parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{top + plot_h + 12}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    for j, (name, _) in enumerate(series):
        x = left + j * 150
        parts.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{colours[j % len(colours)]}"/>'
                     f'<text x="{x + 14}" y="{height - 5}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
