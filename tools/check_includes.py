#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""make check: the files of user/ and tools/ include no .c file, and the
files of user/ include each other one way only.

A unit is a file name without its ending (user/xlbd/inspect.c and
inspect.h are one unit). Unit A depends on unit B when a file of A
includes B's header ("b.h" found beside the includer, in user/lib or in
include/). A loop of such dependencies (A -> B -> ... -> A) fails, named
with the include lines that make it.

Usage: tools/check_includes.py [ROOT]   (default: the tree this script is in)
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEARCH = ["user/lib", "include", "tools/lib"]
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def sources(top):
    for d, _, names in os.walk(os.path.join(ROOT, top)):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, n), ROOT)


def resolve(includer, name):
    for d in [os.path.dirname(includer)] + SEARCH:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(ROOT, p)):
            return p
    return None  # generated (build/) or a system header


def main():
    bad = []
    deps = {}  # unit -> {unit: "file:line"}
    for top in ("user", "tools"):
        for f in sources(top):
            with open(os.path.join(ROOT, f), errors="replace") as fh:
                for ln, line in enumerate(fh, 1):
                    m = INC.match(line)
                    if not m:
                        continue
                    if m.group(1).endswith(".c"):
                        bad.append(f"{f}:{ln}: includes a .c file "
                                   f"({m.group(1)}): link a library")
                    t = resolve(f, m.group(1))
                    if top != "user" or not t or not t.startswith("user/"):
                        continue
                    a, b = os.path.splitext(f)[0], os.path.splitext(t)[0]
                    if a != b:
                        deps.setdefault(a, {}).setdefault(b, f"{f}:{ln}")

    # Depth-first search; a back edge closes a loop.
    state, stack, loops = {}, [], set()

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(deps.get(u, {})):
            if state.get(v) == 1:
                cyc = stack[stack.index(v):] + [v]
                key = tuple(sorted(set(cyc)))
                if key not in loops:
                    loops.add(key)
                    bad.append("include loop: " + " -> ".join(
                        f"{x} ({deps[x][y]})" for x, y in zip(cyc, cyc[1:]))
                        + f" -> {v}")
            elif not state.get(v):
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(deps):
        if not state.get(u):
            visit(u)
    for b in bad:
        print(f"check_includes: {b}", file=sys.stderr)
    if bad:
        return 1
    n = sum(len(v) for v in deps.values())
    print(f"check_includes: ok: no .c included, no loop among "
          f"{len(deps)} units of user/ ({n} dependencies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
