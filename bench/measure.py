#!/usr/bin/python3
"""Runs a command and prints `peak_rss_kb user_s system_s wall_s exit_code` for it.
CPU comes from wait4's rusage, which the kernel keeps to the microsecond (GNU time rounds
to 10 ms); it includes GNU time's own share, well under a millisecond. Peak RSS comes from
GNU time, which forks from a small C process: a child forked from this Python process would
carry Python's ~10 MB high-water mark through exec.
Usage: measure.py COMMAND [ARG...]"""
import os
import subprocess
import sys
import tempfile
import time

with tempfile.NamedTemporaryFile("r") as rss_file:
    start = time.monotonic()
    child = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *sys.argv[1:]],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    rss = rss_file.read().split()[-1]
print(f"{rss} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {wall:.3f} "
      f"{os.waitstatus_to_exitcode(status)}")
