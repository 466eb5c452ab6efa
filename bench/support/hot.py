"""Where a py-spy raw profile (collapsed stacks) spends its samples: the top frames, inclusive.

    python bench/support/hot.py case-list-sqlite.txt [how-many]

Each frame is counted once per sample it appears in, so a middleware's share includes the route
it wraps; compare a frame with its callers to find the part that is its own.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def main() -> None:
    lines = Path(sys.argv[1]).read_text().splitlines()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1].split(":")[0]] += n
        own[frames[-1].split(" (")[0] + " " + frames[-1].rsplit("/", 1)[-1].split(":")[0]] += n
    print(f"{total} samples holding the GIL")
    print("inclusive:")
    for frame, n in inclusive.most_common(top):
        print(f"{100 * n / total:6.1f}%  {frame}")
    print("own:")
    for frame, n in own.most_common(15):
        print(f"{100 * n / total:6.1f}%  {frame}")


if __name__ == "__main__":
    main()
