"""Server-rendered SVG charts (no script, no image request): negative documents per day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 26


def daily_bars(days: Sequence[date], values: Sequence[int], label: str) -> Markup:
    """One bar per day with its count as a tooltip, a y-axis maximum and every few days' date."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max([*values, 1])
    step = plot_w / max(len(values), 1)
    every = max(1, len(values) // 8)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" aria-label="{escape(label)}" class="daily-bars">',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{peak}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        bar_h = plot_h * value / peak
        x = LEFT + index * step
        parts.append(
            f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{TOP + plot_h - bar_h:.1f}"'
            f' width="{step * 0.7:.1f}" height="{bar_h:.1f}"><title>{day.isoformat()}: {value}</title></rect>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{day:%m-%d}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
