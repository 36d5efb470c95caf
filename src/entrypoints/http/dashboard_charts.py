"""Small bar charts for the dashboard, drawn on the server as inline SVG: no script and no style
attribute (the pages' CSP allows neither inline), an accessible name, every text escaped."""

import hashlib
import html
import math
import re
from collections.abc import Sequence

import attrs

# Colours by series, as presentation attributes: a page's stylesheet may override them by class.
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444")
# XML 1.0 cannot carry these characters even escaped: a label holding one would break the page.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Axis labels stop overlapping at about this many per chart: beyond it every n-th one is shown.
MAX_LABELS = 12


@attrs.frozen
class Series:
    name: str
    values: Sequence[float]


def _text(value: object) -> str:
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, width: int = 640, height: int = 240, chart_id: str | None = None
) -> str:
    """Bars for each label, one per series side by side, scaled to the largest value; a legend when
    there is more than one series. Each bar carries its figure in a tooltip (`<title>`).
    Values must be finite and not negative."""
    if not series or any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    if any(not math.isfinite(v) or v < 0 for s in series for v in s.values):
        raise ValueError("bar values must be finite and not negative")
    ident = chart_id or "chart-" + hashlib.sha256(title.encode("utf-8", "replace")).hexdigest()[:10]
    top, bottom, left, right = (28 if len(series) > 1 else 8), 24, 8, 8
    plot_height = height - top - bottom
    peak = max((v for s in series for v in s.values), default=0) or 1
    slot = (width - left - right) / max(len(labels), 1)
    bar = slot * 0.8 / len(series)
    every = math.ceil(len(labels) / MAX_LABELS) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="{_text(ident)}-title">',
        f'<title id="{_text(ident)}-title">{_text(title)}</title>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" y2="{top + plot_height}" stroke="#9ca3af" />',
    ]
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for k, s in enumerate(series):
            value = s.values[i]
            h = plot_height * value / peak
            tip = f"{label} · {s.name}: {_number(value)}" if len(series) > 1 else f"{label}: {_number(value)}"
            parts.append(
                f'<rect class="series-{k}" x="{x0 + k * bar:.1f}" y="{top + plot_height - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}"><title>{_text(tip)}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{left + (i + 0.5) * slot:.1f}" y="{height - 8}" text-anchor="middle" font-size="11">{_text(label)}</text>'
            )
    if len(series) > 1:
        for k, s in enumerate(series):
            x = left + k * 120
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}" />')
            parts.append(f'<text x="{x + 16}" y="16" font-size="12">{_text(s.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
