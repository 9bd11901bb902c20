"""Runs a command and adds its CPU time to its output, for scripts/bench.

usage: cpurun.py COMMAND [ARGUMENT ...]
Prints the command's standard output, then one line `cpu_s=<user + system seconds> peak_rss_kib=<KiB>` from
the kernel's accounting of the finished child (getrusage). Exits with the command's status.
"""
import resource
import subprocess
import sys


def main() -> int:
    status = subprocess.run(sys.argv[1:]).returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"cpu_s={usage.ru_utime + usage.ru_stime:.3f} peak_rss_kib={usage.ru_maxrss}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
