"""Parse time and peak memory of a realistic all_courses.json: streamed trimmer vs orjson.

    .venv/bin/python bench/all_courses_parse.py [--courses 30000] [--enrollments 500000]
        [--current 0.05] [--seed 1] [--chunk 65536] [--keep FILE]

`GET /all_courses.json` lists every nonprivate course the Dashboard ever had, with its
facilitators and editors, in one uncached answer. This writes a synthetic answer of that
shape (the jbuilder view's fields, in its order) to a temporary file: `--courses` courses,
`--enrollments` usernames spread over them with a long tail (most courses have a few
people, a few have thousands), names of realistic lengths (3 to 40 characters, some with
spaces, digits or non-ASCII letters), `--current` of the courses running now and the rest
ended (a few in the future). Then it measures, each in a fresh subprocess so that peak RSS
is that of one parse only:

- trimmer: `dashboard.all_courses.AllCoursesTrimmer` fed `--chunk`-byte reads of the file,
  as the service gets the body from httpx;
- orjson: the whole body read and `orjson.loads`, then the same date filter and name
  normalisation in Python.

For each it prints the wall time, the bytes read, the courses kept, the peak RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) and the RSS of the same process before it
parsed anything (the interpreter and imports), then the ratios. The target: the trimmer's
peak well under 256 MiB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

import orjson  # noqa: E402

LOOKAHEAD = timedelta(hours=6)  # any few hours: what the trimmer keeps ahead of now
_SYLLABLES = (
    "an", "ber", "chi", "da", "el", "fo", "gu", "ha", "ing", "jo", "ka", "li", "mo", "na",
    "or", "pe", "qui", "ra", "son", "ta", "ul", "vi", "wen", "xi", "yo", "ze", "mar", "tin",
    "é", "ø", "ñu", "ü", "ç", "ło", "şa",
)  # fmt: skip
_WIKIS = (
    "en.wikipedia.org", "www.wikidata.org", "commons.wikimedia.org", "fr.wikipedia.org",
    "es.wikipedia.org", "de.wikipedia.org", "yo.wikipedia.org", "ar.wikipedia.org",
)  # fmt: skip


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _username(rng: random.Random) -> str:
    """Lengths like real accounts': mostly 6-16 characters, a tail up to 40."""
    words = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))
        words.append(word.capitalize())
    name = " ".join(words)
    if rng.random() < 0.3:
        name += str(rng.randint(1, 9999))
    return name[:40]


def _sizes(rng: random.Random, courses: int, enrollments: int) -> list[int]:
    """People per course: log-normal (median about 8, a few in the thousands), summing
    exactly to ``enrollments``."""
    raw = [rng.lognormvariate(2.0, 1.2) for _ in range(courses)]
    scale = enrollments / sum(raw)
    sizes = [max(1, int(value * scale)) for value in raw]
    diff = enrollments - sum(sizes)
    step = 1 if diff > 0 else -1
    index = 0
    while diff:
        if sizes[index % courses] + step >= 1:
            sizes[index % courses] += step
            diff -= step
        index += 1
    return sizes


def generate(path: Path, *, courses: int, enrollments: int, current: float, seed: int,
             now: datetime) -> None:  # fmt: skip
    """Write the answer item by item (the generator never holds the whole list)."""
    rng = random.Random(seed)
    people = [_username(rng) for _ in range(max(courses, enrollments // 3))]
    sizes = _sizes(rng, courses, enrollments)
    day = timedelta(days=1)
    with path.open("wb") as out:
        out.write(b'{"all_courses":[')
        for n in range(courses):
            roll = rng.random()
            length = timedelta(days=rng.choice((1, 2, 7, 30, 60, 120)))
            if roll < current:  # running now
                start = now - length * rng.uniform(0.05, 0.95)
            elif roll < current + 0.005:  # announced, not started
                start = now + day * rng.uniform(1, 60)
            else:  # ended, up to ten years ago
                start = now - length - day * rng.uniform(1, 3650)
            end = start + length
            created = start - day * rng.uniform(1, 30)
            school = " ".join(w.capitalize() for w in (_username(rng), "Wikimedians"))
            title = f"{_username(rng)} Edit-a-thon {2016 + n % 10}"
            term = rng.choice(("Spring", "Autumn", "2025", "March", "Week 3"))
            slug = f"{school}/{title}_({term})".replace(" ", "_")
            size = sizes[n]
            staff = min(size, rng.choice((1, 1, 1, 2, 3)))
            names = [people[rng.randrange(len(people))] for _ in range(size)]
            wiki = rng.choice(_WIKIS)
            item = {
                "id": 1000 + n, "slug": slug, "title": title, "institution": school,
                "term": term, "created_at": _iso(created), "start": _iso(start),
                "end": _iso(end), "home_wiki": wiki,
                "tracked_wikis": [wiki] + ([rng.choice(_WIKIS)] if rng.random() < 0.2 else []),
                "facilitators": names[:staff], "editors": names[staff:],
                "campaign_slugs": [f"campaign_{n % 97}"] if rng.random() < 0.7 else [],
            }  # fmt: skip
            if n:
                out.write(b",")
            out.write(orjson.dumps(item))
        out.write(b"]}")


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(mode: str, path: Path, now: datetime, chunk: int) -> dict[str, object]:
    """One parse in this process; RSS before and after."""
    from outreach_helper.dashboard.all_courses import AllCoursesTrimmer
    from outreach_helper.domain.usernames import InvalidUsername, normalize_username
    from outreach_helper.domain.windows import parse_timestamp

    before = _rss_mib()
    started = time.perf_counter()
    read = 0
    if mode == "trimmer":
        trimmer = AllCoursesTrimmer(now=now, lookahead=LOOKAHEAD)
        with path.open("rb", buffering=0) as body:
            while data := body.read(chunk):
                read += len(data)
                trimmer.feed(data)
        result = trimmer.finish()
        kept, listed = len(result.courses), result.listed
        people = sum(len(c.facilitators) + len(c.editors) for c in result.courses)
    else:
        data = path.read_bytes()
        read = len(data)
        answer = orjson.loads(data)
        horizon = now + LOOKAHEAD
        kept_courses = []
        for item in answer["all_courses"]:
            start, end = parse_timestamp(item["start"]), parse_timestamp(item["end"])
            if start and end and start <= end and end >= now and start <= horizon:
                kept_courses.append(item)
        kept, listed = len(kept_courses), len(answer["all_courses"])
        people = 0  # the same work as the trimmer's: normalise, deduplicate, sort
        for c in kept_courses:
            for role in ("facilitators", "editors"):
                names = set()
                for name in c[role]:
                    with contextlib.suppress(InvalidUsername):
                        names.add(normalize_username(name))
                people += len(sorted(names))
    wall = time.perf_counter() - started
    return {
        "mode": mode, "wall_s": round(wall, 3), "bytes": read, "listed": listed,
        "kept": kept, "people_kept": people, "rss_before_mib": round(before, 1),
        "peak_rss_mib": round(_rss_mib(), 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=30_000)
    parser.add_argument("--enrollments", type=int, default=500_000)
    parser.add_argument("--current", type=float, default=0.05, help="share running now")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=64 * 1024, help="bytes per feed()")
    parser.add_argument("--keep", type=Path, help="write the answer here and keep it")
    parser.add_argument("--measure", choices=("trimmer", "orjson"), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:  # the child: one parse, one JSON line
        now = datetime.fromisoformat(args.now)
        print(json.dumps(measure(args.measure, args.file, now, args.chunk)), flush=True)
        return

    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="all_courses_") as tmp:
        path = args.keep or Path(tmp) / "all_courses.json"
        started = time.perf_counter()
        generate(path, courses=args.courses, enrollments=args.enrollments,
                 current=args.current, seed=args.seed, now=now)  # fmt: skip
        size = os.path.getsize(path)
        print(f"synthetic all_courses.json: {args.courses:,} courses, "
              f"{args.enrollments:,} enrollments, {size / 2**20:.1f} MiB "
              f"(written in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        results = {}
        for mode in ("trimmer", "orjson"):
            child = subprocess.run(
                [sys.executable, __file__, "--measure", mode, "--file", str(path),
                 "--now", now.isoformat(), "--chunk", str(args.chunk)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            results[mode] = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"{'parser':<9}{'wall s':>8}{'MiB read':>10}{'listed':>8}{'kept':>6}{'people':>8}"
          f"{'RSS before':>12}{'peak RSS':>10}")  # fmt: skip
    for mode, r in results.items():
        print(f"{mode:<9}{r['wall_s']:>8.2f}{r['bytes'] / 2**20:>10.1f}{r['listed']:>8}"
              f"{r['kept']:>6}{r['people_kept']:>8}{r['rss_before_mib']:>10.1f}Mi"
              f"{r['peak_rss_mib']:>8.1f}Mi")  # fmt: skip
    trim, whole = results["trimmer"], results["orjson"]
    assert trim["kept"] == whole["kept"], "the two parsers kept different courses"
    print(f"trimmer/orjson: wall x{trim['wall_s'] / whole['wall_s']:.2f}, "
          f"peak RSS x{trim['peak_rss_mib'] / whole['peak_rss_mib']:.2f}, "
          f"RSS added by the parse {trim['peak_rss_mib'] - trim['rss_before_mib']:.1f} MiB vs "
          f"{whole['peak_rss_mib'] - whole['rss_before_mib']:.1f} MiB")  # fmt: skip
    target = "under" if trim["peak_rss_mib"] < 256 else "OVER"
    print(f"trimmer peak RSS {trim['peak_rss_mib']:.1f} MiB: {target} the 256 MiB target")


if __name__ == "__main__":
    main()
