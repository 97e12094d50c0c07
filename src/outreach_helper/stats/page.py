"""`/stats` as HTML: SVG charts drawn here, a summary line each, and the numbers as a table.

No script, style sheet, font or image from anywhere else (Toolforge tools must not load
them from other sites), and no script at all: the page reads the same with JavaScript
off. Colours and fonts are those of the `/` page (`api/home.py`) and the Wikimedia
palette. Only counts are drawn: no usernames, course names or client addresses ever
reach the history, so none can reach the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from outreach_helper.stats import history

WIDTH, HEIGHT, LEFT, BOTTOM = 720, 150, 56, 20
BLUE, GREEN, RED, YELLOW, GREY, PURPLE = (
    "#36c", "#14866d", "#d33", "#ac6600", "#a2a9b1", "#6b4ba1",
)  # fmt: skip

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 76rem; margin: 2rem auto;
       padding: 0 1rem; color: #202122; }
code, pre { font: 14px/1.4 ui-monospace, monospace; background: #f8f9fa; }
td, th { padding: .15rem .6rem .15rem 0; vertical-align: top; text-align: right; }
th:first-child, td:first-child { text-align: left; }
table { border-collapse: collapse; font-size: 14px; }
tr:nth-child(even) td { background: #f8f9fa; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr));
          gap: 0 2rem; }
figure { margin: 1.2rem 0; min-width: 0; }
figcaption h2 { margin: 0; font-size: 1.15rem; }
.summary { margin: .1rem 0 .4rem; }
svg { width: 100%; height: auto; border: 1px solid #eaecf0; background: #fff; }
svg text { font: 11px system-ui, sans-serif; fill: #54595d; }
.key { margin: .2rem 0; }
.key span { display: inline-block; margin-right: 1rem; font-size: 14px; }
.key i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
         vertical-align: -.05rem; }
nav a, nav strong { margin-right: .8rem; }
.warning { border-left: 4px solid #d33; background: #fee7e6; padding: .5rem .75rem; }
.note { color: #54595d; font-size: 14px; }
"""


def _x(index: int, count: int) -> float:
    return LEFT + (WIDTH - LEFT - 4) * index / max(count, 1)


def _axis(points: Sequence[dict], top: float, unit: str) -> list[str]:
    """Frame, the top value, and the time of the first, middle and last steps."""
    base = HEIGHT - BOTTOM
    out = [
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - 4}" y2="{base}" stroke="#a2a9b1"/>',
        f'<line x1="{LEFT}" y1="4" x2="{LEFT}" y2="{base}" stroke="#a2a9b1"/>',
        f'<text x="{LEFT + 4}" y="14">{_number(top)}{unit}</text>',
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end">0</text>',
    ]
    if points:
        for index, anchor in ((0, "start"), (len(points) // 2, "middle"), (len(points) - 1, "end")):
            label = points[index]["t"][5:16].replace("T", " ")
            x = _x(index, len(points))
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - 5}" text-anchor="{anchor}">{label}</text>')
    return out


def _number(value: float) -> str:
    if value >= 10_000_000:
        return f"{value / 1_000_000:.0f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:g}"


def _svg(label: str, shapes: list[str]) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        + "".join(shapes)
        + "</svg>"
    )


Series = tuple[str, str, Callable[[dict], float]]


def bars(label: str, points: Sequence[dict], series: Sequence[Series]) -> str:
    """Stacked bars, one per step: one path per series (a few bytes a bar, so that a day
    of 5-minute steps stays light); the numbers are in the table."""
    totals = [sum(value(p) for _, _, value in series) for p in points]
    top = max(totals, default=0) or 1
    base, room = HEIGHT - BOTTOM, HEIGHT - BOTTOM - 6
    width = max((WIDTH - LEFT - 4) / max(len(points), 1) - 0.6, 0.6)
    shapes = _axis(points, top, "")
    paths: list[list[str]] = [[] for _ in series]
    for index, p in enumerate(points):
        y = float(base)
        for drawn, (_, _, value) in zip(paths, series, strict=True):
            n = value(p)
            if n <= 0:
                continue
            h = room * n / top
            y -= h
            drawn.append(f"M{_x(index, len(points)):.1f} {y:.1f}h{width:.1f}v{h:.1f}h-{width:.1f}z")
    for drawn, (name, colour, _) in zip(paths, series, strict=True):
        if drawn:
            shapes.append(
                f'<path class="bar" fill="{colour}" d="{"".join(drawn)}">'
                f"<title>{escape(name)}</title></path>"
            )
    return _svg(label, shapes)


def lines(label: str, points: Sequence[dict], series: Sequence[Series], unit: str) -> str:
    """A line per series through the steps that have a value (gaps where none)."""
    values = [[value(p) for p in points] for _, _, value in series]
    top = max((v for vs in values for v in vs if v is not None), default=0) or 1
    base, room = HEIGHT - BOTTOM, HEIGHT - BOTTOM - 6
    shapes = _axis(points, top, unit)
    half = (WIDTH - LEFT - 4) / max(len(points), 1) / 2
    for (name, colour, _), vs in zip(series, values, strict=True):
        runs: list[list[str]] = [[]]
        for index, v in enumerate(vs):
            if v is None:
                runs.append([])
                continue
            x, y = _x(index, len(points)) + half, base - room * v / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
        for run in runs:
            if len(run) == 1:
                x, y = run[0].split(",")
                shapes.append(f'<circle class="dot" cx="{x}" cy="{y}" r="2" fill="{colour}"/>')
            elif run:
                shapes.append(
                    f'<polyline class="line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="1.5"><title>{escape(name)}</title></polyline>'
                )
    return _svg(label, shapes)


STATE_COLOURS = {"ok": GREEN, "degraded": YELLOW, "down": RED}


def band(label: str, points: Sequence[dict]) -> str:
    """The upstream state of each step as a coloured strip (blank: no worker looked)."""
    width = (WIDTH - LEFT - 4) / max(len(points), 1)
    height = HEIGHT - BOTTOM - 40
    axis = _axis(points, 0, "")
    shapes = axis[:1]
    drawn: dict[str, list[str]] = {state: [] for state in STATE_COLOURS}
    for index, p in enumerate(points):
        state = p["upstream"]["state"]
        if state is not None:
            x = _x(index, len(points))
            drawn[state].append(f"M{x:.1f} 30h{width + 0.3:.1f}v{height}h-{width + 0.3:.1f}z")
    for state, parts in drawn.items():
        if parts:
            shapes.append(
                f'<path class="state {state}" fill="{STATE_COLOURS[state]}" '
                f'd="{"".join(parts)}"><title>{state}</title></path>'
            )
    return _svg(label, shapes + axis[4:])


def _key(series: Sequence[tuple[str, str]]) -> str:
    return (
        '<p class="key">'
        + "".join(f'<span><i style="background:{c}"></i>{escape(n)}</span>' for n, c in series)
        + "</p>"
    )


def _figure(title: str, summary: str, chart: str, key: Sequence[tuple[str, str]]) -> str:
    return (
        f'<figure><figcaption><h2>{escape(title)}</h2><p class="summary">{escape(summary)}</p>'
        f"</figcaption>{chart}{_key(key)}</figure>"
    )


def _cache(p: dict, state: str) -> float:
    return p["cache"].get(state, 0)


def _upstream(p: dict, outcomes: tuple[str, ...]) -> float:
    return sum(e.get(o, 0) for e in p["upstream"]["endpoints"].values() for o in outcomes)


OK_OUTCOMES = ("found", "not_modified")
UPSTREAM_SERIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("ok (200/304)", GREEN, OK_OUTCOMES),
    ("404", GREY, ("not_found",)),
    ("error", RED, ("unavailable", "bad_response")),
    ("timeout", YELLOW, ("timeout",)),
    ("refused by the breaker", PURPLE, ("refused",)),
]


def _table(points: Sequence[dict]) -> str:
    head = (
        "<tr><th>step (UTC)</th><th>answers</th><th>2xx</th><th>3xx</th><th>4xx</th>"
        "<th>5xx</th><th>from cache</th><th>miss</th><th>p50 ms</th><th>p95 ms</th>"
        "<th>upstream</th><th>upstream errors</th><th>refused</th><th>upstream p95 ms</th>"
        "<th>upstream state</th><th>Redis memory</th></tr>"
    )
    rows = []
    for p in points:
        up = p["upstream"]
        if not (p["requests"] or up["requests"] or up["refused"] or up["state"]):
            continue
        hits = sum(n for s, n in p["cache"].items() if s != "miss")
        memory = p["gauges"].get("redis_used_memory")
        cells = [
            p["t"][:16].replace("T", " "), p["requests"], *p["status"].values(), hits,
            p["cache"].get("miss", 0), _blank(p["p50_ms"]), _blank(p["p95_ms"]),
            up["requests"], up["errors"], up["refused"], _blank(up["p95_ms"]),
            up["state"] or "", _blank(memory),
        ]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    if not rows:
        return '<p class="note">Nothing was counted in this range yet.</p>'
    return (
        "<details open><summary>The numbers, one row per step with traffic</summary>"
        f'<table id="numbers">{head}{"".join(rows)}</table></details>'
    )


def _blank(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def render(stats: dict, *, version: str) -> bytes:
    """The page for one range's stats, as `Recorder.read` gives them."""
    points, summary, current = stats["points"], stats["summary"], stats["range"]
    nav = " ".join(
        f"<strong>{escape(name)}</strong>"
        if name == current
        else f'<a href="stats?range={name}">{escape(name)}</a>'
        for name in history.RANGES
    )
    if stats["shared"]:
        source = "Summed over every worker and replica that shares the store (Redis)."
        warning = ""
    elif stats["source"] == "this process":
        source = "The memory store: the counts of this process alone."
        warning = ""
    else:
        source = "This worker's own counts."
        warning = (
            '<p class="warning" id="shared-unavailable"><strong>Shared history unavailable'
            f"</strong>: {escape(stats['shared_error'] or '')}. Showing what this worker holds."
            "</p>"
        )
    status_series = [("2xx", GREEN), ("3xx", BLUE), ("4xx", YELLOW), ("5xx", RED)]
    cache_series = [("hit", GREEN), ("stale", BLUE), ("stale-if-error", YELLOW), ("miss", GREY)]
    figures = [
        _figure(
            "Answers to /api/*",
            summary["answers"],
            bars(
                "answers per step by status class",
                points,
                [(n, c, lambda p, n=n: p["status"][n]) for n, c in status_series],
            ),
            status_series,
        ),  # fmt: skip
        _figure(
            "Cache",
            summary["cache"],
            bars(
                "answers per step by Cache-Status",
                points,
                [(n, c, lambda p, n=n: _cache(p, n)) for n, c in cache_series],
            ),
            cache_series,
        ),  # fmt: skip
        _figure(
            "Answer latency",
            "p50 and p95 of each step, from bucketed counts",
            lines(
                "answer latency p50 and p95",
                points,
                [
                    ("p50", BLUE, lambda p: p["p50_ms"]),
                    ("p95", RED, lambda p: p["p95_ms"]),
                ],
                " ms",
            ),
            [("p50", BLUE), ("p95", RED)],
        ),  # fmt: skip
        _figure(
            "Requests to the Dashboard",
            summary["upstream"],
            bars(
                "upstream requests per step by outcome",
                points,
                [(n, c, lambda p, o=o: _upstream(p, o)) for n, c, o in UPSTREAM_SERIES],
            ),
            [(n, c) for n, c, _ in UPSTREAM_SERIES],
        ),  # fmt: skip
        _figure(
            "Dashboard state",
            summary["state"],
            band("upstream state per step", points),
            [(s, c) for s, c in STATE_COLOURS.items()],
        ),
        _figure(
            "Dashboard latency",
            "p50 and p95 of the requests sent in each step",
            lines(
                "upstream latency p50 and p95",
                points,
                [
                    ("p50", BLUE, lambda p: p["upstream"]["p50_ms"]),
                    ("p95", RED, lambda p: p["upstream"]["p95_ms"]),
                ],
                " ms",
            ),
            [("p50", BLUE), ("p95", RED)],
        ),  # fmt: skip
        _figure(
            "Participants knowledge",
            _knowledge_summary(points),
            lines(
                "age of the participants knowledge",
                points,
                [
                    ("age", PURPLE, lambda p: _knowledge(p, "participants_age_s", 60)),
                ],
                " min",
            ),
            [("age of the oldest a worker held (minutes)", PURPLE)],
        ),  # fmt: skip
        _figure(
            "Redis memory",
            _memory_summary(points),
            lines(
                "Redis used memory",
                points,
                [
                    ("used_memory", BLUE, lambda p: _mib(p["gauges"].get("redis_used_memory"))),
                ],
                " MiB",
            ),
            [("used_memory (INFO memory)", BLUE)],
        ),  # fmt: skip
    ]
    body = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Outreach Dashboard Helper: stats</title><link rel="icon" href="data:,">'
        f"<style>{_STYLE}</style></head><body>"
        "<h1>How the helper and the Dashboard are doing</h1>"
        f'<nav>Range: {nav} · <a href="stats.json?range={current}">as JSON</a> · '
        '<a href="health">/health</a> · <a href="./">about</a></nav>'
        f'{warning}<p class="note">{source} One step is {stats["step_s"] // 60} min; '
        f"times are UTC. Tier hits (lookups answered from a worker's in-process copy): "
        f"{sum(p.get('tier_hits', 0) for p in points)}. Version {escape(version)}.</p>"
        + '<div class="charts">'
        + "".join(figures)
        + "</div>"
        + _table(points)
        + "</body></html>"
    )
    return body.encode()


def _knowledge(p: dict, name: str, unit: int = 1) -> float | None:
    """The largest of a knowledge gauge over the dashboards, in `unit`s."""
    seen = [v for k, v in p["gauges"].items() if k.split(":")[0] == name]
    return round(max(seen) / unit, 1) if seen else None


def _knowledge_summary(points: Sequence[dict]) -> str:
    last = next((p for p in reversed(points) if _knowledge(p, "participants_age_s")), None)
    if last is None:
        return "no participants knowledge read in this range"
    ages = [a for p in points if (a := _knowledge(p, "participants_age_s", 60)) is not None]
    return (
        f"{_knowledge(last, 'participants_courses'):g} current courses and "
        f"{_knowledge(last, 'participants_people'):g} people known, "
        f"{_knowledge(last, 'participants_age_s', 60):g} min old at the last step; "
        f"at most {max(ages):g} min old in this range"
    )


def _mib(value: float | None) -> float | None:
    return None if value is None else round(value / 1048576, 2)


def _memory_summary(points: Sequence[dict]) -> str:
    seen = [p["gauges"]["redis_used_memory"] for p in points if "redis_used_memory" in p["gauges"]]
    if not seen:
        return "no Redis figures in this range (memory store, or Redis unreachable)"
    return f"used_memory {_mib(seen[-1])} MiB now, at most {_mib(max(seen))} MiB in this range"
