#!/usr/bin/env python3
"""Generates the utility-parse example's input: data/records.json.

The file is a JSON array of records, one per line:

    {"id":1,"name":"record-000001","score":73.25,"tags":["amber","river"],"note":"..."}

The content depends only on --records and --seed, so every run with the same
arguments writes the same bytes. The default (200 000 records) is about 30 MB,
which is why the file is generated here instead of committed.

    python3 examples/utility-parse/setup.py                    # data/records.json
    python3 examples/utility-parse/setup.py --records 20000 --out /tmp/app/data/records.json

Standard library only.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

TAGS = [
    "amber", "river", "granite", "orbit", "meadow", "signal", "harbor", "ember",
    "lattice", "quartz", "tundra", "violet", "willow", "zephyr", "cobalt", "delta",
]
WORDS = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "yankee",
]


def record(rng: random.Random, number: int) -> dict:
    # Tags are drawn with a skew so that the most common one is well defined.
    tag_count = rng.randint(1, 4)
    tags = sorted({TAGS[min(int(rng.expovariate(0.25)), len(TAGS) - 1)] for _ in range(tag_count)})
    return {
        "id": number,
        "name": f"record-{number:06d}",
        "score": round(rng.uniform(0, 100), 2),
        "tags": tags,
        "note": " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))),
    }


def write_records(out: Path, count: int, seed: int) -> int:
    """Writes `count` records to `out` and returns the file's size in bytes.

    The file is written beside its final name and renamed into place, so a
    reader never sees half a file and an interrupted run leaves no
    records.json behind.
    """
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="\n") as file:
        file.write("[\n")
        for number in range(1, count + 1):
            if number > 1:
                file.write(",\n")
            file.write(json.dumps(record(rng, number), separators=(",", ":")))
        file.write("\n]\n")
    os.replace(partial, out)
    return out.stat().st_size


def main() -> int:
    default_out = Path(__file__).resolve().parent / "data" / "records.json"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000, help="how many records (default 200000)")
    parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")
    parser.add_argument("--out", type=Path, default=default_out, help=f"output file (default {default_out})")
    args = parser.parse_args()
    if args.records < 0:
        parser.error("--records must be 0 or more")
    size = write_records(args.out, args.records, args.seed)
    print(f"setup: {args.records} records, {size / 1_000_000:.1f} MB in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
