"""bench.hostcpu: the benchmark says where the host's CPU went during each window, so a page
that misses its budget under the mixed load is read against what else held the cores."""

import os
import subprocess
import sys
import time

from bench import hostcpu


def test_a_window_counts_each_kind_of_process_against_the_whole_host():
    # A stand-in for the mixed run's writers (its command line names bench.mixed): told to
    # go, it burns half a second of CPU, says so, and stays until the window is sampled (the processes
    # counted are those alive at both ends, as the server's, the database's and the
    # writers' are for a whole run).
    child = subprocess.Popen([sys.executable, "-c",
                              "import sys, time  # bench.mixed\n"
                              "sys.stdin.readline(); start = time.process_time()\n"
                              "while time.process_time() - start < 0.5: pass\n"
                              "print('done', flush=True); sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        before = hostcpu.sample()
        started = time.monotonic()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "done\n"
        shares = hostcpu.shares(before, hostcpu.sample())
        window = time.monotonic() - started
    finally:
        child.communicate("")
    expected = 100 * 0.5 / (window * os.cpu_count())  # its half second, of the whole host
    assert 0.8 * expected <= shares["writers"] <= 1.3 * expected + 1, (shares, expected)
    assert shares["writers"] <= shares["busy"] <= 100


def test_what_processes_that_ended_in_the_window_used_is_counted_too():
    # A stand-in for PostgreSQL's parallel workers: forked for one query, gone before the
    # window ends. Its half second is no live process's, so it shows as "ended" (with
    # whatever else ended meanwhile: the suite's other workers run beside it, so only the
    # floor is certain).
    before = hostcpu.sample()
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import time; start = time.process_time()\n"
                    "while time.process_time() - start < 0.5: pass"], check=True)
    shares = hostcpu.shares(before, hostcpu.sample())
    window = time.monotonic() - started
    expected = 100 * 0.5 / (window * os.cpu_count())
    assert 0.8 * expected <= shares["ended"] <= shares["busy"], (shares, expected)
