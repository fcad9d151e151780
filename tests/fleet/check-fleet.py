#!/usr/bin/env python3
"""Checks what `vmcored top --json` or `vmcored list --json` printed against
the crash records the store was filled with, computed here independently.

  check-fleet.py top|list OUTPUT.json RECORDS.json... [--since UTC] [--kernel GLOB]
                 [--host H] [--fingerprint FP] [--limit N]

RECORDS files are JSON arrays of fingerprint records (vmcored.fingerprint/1)
or single records. Prints what differs and exits 1, or prints a summary and
exits 0.
"""
import argparse
import calendar
import fnmatch
import json
import sys
import time

TOP_KEYS = {"fingerprint", "title", "count", "hosts", "first_seen", "last_seen", "kernels", "known_issues",
            "dumps", "hardware_error"}
LIST_KEYS = {"crash_id", "fingerprint", "title", "crash_time", "kernel", "arch", "host", "hardware_error",
             "known_issues", "dump"}


def utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def load_records(paths):
    by_id = {}
    for p in paths:
        d = json.load(open(p))
        for r in d if isinstance(d, list) else [d]:
            old = by_id.get(r["crash_id"])
            # The copy with the dump is the later one.
            if old is None or (r.get("dump") and not old.get("dump")):
                by_id[r["crash_id"]] = r
    return list(by_id.values())


def matches(r, a):
    if a.since and (not r.get("crash_time") or utc(r["crash_time"]) < utc(a.since)):
        return False
    if a.kernel and not fnmatch.fnmatchcase(r.get("kernel") or "", a.kernel):
        return False
    if a.host and r.get("host") != a.host:
        return False
    if a.fingerprint and r["fingerprint"] != a.fingerprint:
        return False
    return True


def expect_top(records):
    groups = {}
    for r in records:
        groups.setdefault(r["fingerprint"], []).append(r)
    out = []
    for fp, rs in groups.items():
        times = sorted(r["crash_time"] for r in rs if r.get("crash_time"))
        newest = max(rs, key=lambda r: (r.get("crash_time") or "", r["crash_id"]))
        ids = []
        for r in sorted(rs, key=lambda r: r["crash_id"]):
            for k in r.get("known_issues") or []:
                if k["id"] not in ids:
                    ids.append(k["id"])
        out.append({
            "fingerprint": fp,
            "title": newest.get("title"),
            "count": len(rs),
            "hosts": len({r.get("host") for r in rs}),
            "first_seen": times[0] if times else None,
            "last_seen": times[-1] if times else None,
            "kernels": sorted({r["kernel"] for r in rs if r.get("kernel")}),
            "known_issues": sorted(ids),
            "dumps": sum(1 for r in rs if r.get("dump")),
            "hardware_error": any(r.get("hardware_error") for r in rs),
        })
    out.sort(key=lambda g: (-g["count"], -(utc(g["last_seen"]) if g["last_seen"] else -1), g["fingerprint"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["top", "list"])
    ap.add_argument("output")
    ap.add_argument("records", nargs="+")
    ap.add_argument("--since")
    ap.add_argument("--kernel")
    ap.add_argument("--host")
    ap.add_argument("--fingerprint")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    got = json.load(open(a.output))
    records = [r for r in load_records(a.records) if matches(r, a)]
    errors = []
    if not isinstance(got, list):
        print("output is not a JSON array")
        return 1
    if a.mode == "top":
        want = expect_top(records)
        if a.limit:
            want = want[:a.limit]
        for g in got:
            if set(g) != TOP_KEYS:
                errors.append(f"members {sorted(g)} are not {sorted(TOP_KEYS)}")
                break
        if len(got) != len(want):
            errors.append(f"{len(got)} fingerprints, expected {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            g = dict(g, known_issues=sorted(k["id"] for k in g.get("known_issues", [])))
            if g != w:
                errors.append(f"row {i}: got {json.dumps(g)}\n      expected {json.dumps(w)}")
            if len(errors) > 5:
                break
        total = sum(g["count"] for g in want)
        summary = f"{len(want)} fingerprints, {total} crashes"
    else:
        want = sorted(records, key=lambda r: r["crash_id"], reverse=True)
        if a.limit:
            want = want[:a.limit]
        for r in got:
            if set(r) != LIST_KEYS:
                errors.append(f"members {sorted(r)} are not {sorted(LIST_KEYS)}")
                break
        if [r["crash_id"] for r in got] != [r["crash_id"] for r in want]:
            errors.append(f"crash ids differ: got {len(got)}, expected {len(want)}")
        for g, w in zip(got, want):
            for k in ("fingerprint", "title", "crash_time", "kernel", "host", "dump", "hardware_error"):
                if g.get(k) != w.get(k):
                    errors.append(f"{w['crash_id']}: {k} is {g.get(k)!r}, expected {w.get(k)!r}")
            if len(errors) > 5:
                break
        summary = f"{len(want)} crashes"
    for e in errors:
        print("  " + e)
    if not errors:
        print(summary)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
