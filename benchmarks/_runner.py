"""Run batches of worker jobs (``peers.py --batch``) with a time limit per fit.

A batch is a list of jobs for one method (one interpreter).  The worker appends
``START k`` to a progress file before job k and writes each job's JSON when it is done.
When a job runs past the limit, the process is killed, the job is recorded as a timeout
and a fresh process resumes with the next job; a job that dies without output is a crash.

The limit is on the worker's *CPU* time (user + system, from ``/proc``), so that a fit is
not killed because other work shares the machine; a wall-clock cap of ``WALL_FACTOR``
times the limit still guards against a hung process.  Where ``/proc`` is not available
the limit is on wall-clock time.
"""

import json
import os
import subprocess
import time

POLL_S = 0.2
WALL_FACTOR = 20


def _cpu_seconds(pid):
    """User + system CPU seconds of a process (and its waited-for children), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _started(progress_file):
    """Index of the last job the worker announced, or -1."""
    try:
        with open(progress_file) as f:
            lines = [ln.split() for ln in f if ln.startswith("START")]
    except FileNotFoundError:
        return -1
    return int(lines[-1][1]) if lines else -1


def _tail(path, n=400):
    """Last n characters of a text file ('' if missing)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n:]
    except FileNotFoundError:
        return ""


def _launch(python, worker, jobs, stem, attempt, env, cwd):
    """Start a worker process on ``jobs``; returns (process, progress file, log file)."""
    jobs_file = f"{stem}.jobs{attempt}.json"
    progress = f"{stem}.progress{attempt}.txt"
    log = f"{stem}.log{attempt}.txt"
    with open(jobs_file, "w") as f:
        json.dump(jobs, f)
    with open(log, "w") as logf:
        proc = subprocess.Popen(
            [python, worker, "--batch", jobs_file, progress],
            stdout=logf,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
        )
    return proc, progress, log


def _watch(proc, progress, timeout):
    """Wait for the process; returns (index of the job that timed out or -1, started)."""
    current, since, cpu_since = -1, time.monotonic(), _cpu_seconds(proc.pid)
    while proc.poll() is None:
        time.sleep(POLL_S)
        k = _started(progress)
        cpu = _cpu_seconds(proc.pid)
        if k != current:
            current, since, cpu_since = k, time.monotonic(), cpu
            continue
        if current < 0:
            continue
        wall = time.monotonic() - since
        used = cpu - cpu_since if cpu is not None and cpu_since is not None else wall
        if used > timeout or wall > WALL_FACTOR * timeout:
            proc.kill()
            proc.wait()
            return current, current
    return -1, _started(progress)


def run_batch(python, worker, jobs, stem, timeout, env, cwd):
    """Run all jobs; returns one outcome per job: the worker's JSON record, or a dict
    with status ``timeout`` / ``crash`` and a note."""
    outcomes = [None] * len(jobs)
    start, attempt = 0, 0
    while start < len(jobs):
        try:
            proc, progress, log = _launch(python, worker, jobs[start:], stem, attempt, env, cwd)
        except OSError as exc:  # e.g. the interpreter does not exist
            for k in range(start, len(jobs)):
                outcomes[k] = {"status": "crash", "note": f"cannot start {python}: {exc}"}
            break
        timed_out, started = _watch(proc, progress, timeout)
        last = start + max(started, 0)
        for k in range(start, min(last + 1, len(jobs))):
            outcomes[k] = _outcome(jobs[k], k - start == timed_out, timeout, log, proc)
        if started < 0:  # died before the first job: report them all
            for k in range(start, len(jobs)):
                note = f"worker exit {proc.returncode}: {_tail(log)}"
                outcomes[k] = {"status": "crash", "note": note}
            break
        start, attempt = last + 1, attempt + 1
    return outcomes


def _outcome(job, timed_out, timeout, log, proc):
    """The job's JSON record if it finished, else a timeout / crash record."""
    if timed_out:
        return {"status": "timeout", "note": f"no result within {timeout:g} CPU seconds"}
    if os.path.exists(job["out"]):
        with open(job["out"]) as f:
            return json.load(f)
    return {"status": "crash", "note": f"worker exit {proc.returncode}: {_tail(log)}"}
