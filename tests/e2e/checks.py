#!/usr/bin/env python3
"""The e2e tests' verdicts: each check passes or is listed as a failure;
finish() prints the count and exits 1 when anything failed."""
import shutil
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


def finish(work=None):
    """Prints the count and exits. The test's temporary folder `work` is
    removed when every check passed (recordings of long captures are
    hundreds of MB each run) and kept for a look when one failed."""
    print(f"{passed} passed, {len(failures)} failed")
    if work and not failures:
        shutil.rmtree(work, ignore_errors=True)
    elif work:
        print("kept for a look:", work)
    sys.exit(1 if failures else 0)
