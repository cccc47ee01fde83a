#!/usr/bin/env python3
"""The e2e tests' verdicts: each check passes or is listed as a failure;
finish() prints the count and exits 1 when anything failed."""
import sys

failures = []
passed = 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def finish():
    print(f"{passed} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)
