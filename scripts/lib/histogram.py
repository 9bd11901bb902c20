"""Estimates quantiles of a Prometheus histogram from a /metrics page, for scripts/bench.

usage: histogram.py URL METRIC QUANTILE ...
Prints `q<quantile>=<seconds>` for each, estimated as Prometheus' histogram_quantile does: linear
interpolation inside the bucket that holds the rank, so a figure is only as fine as the buckets around it.
"""
import re
import sys
import urllib.request


def quantile(buckets, q):
    total = buckets[-1][1]
    if total == 0:
        return float("nan")
    rank = q * total
    lower_bound, lower_count = 0.0, 0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / max(count - lower_count, 1)
        lower_bound, lower_count = bound, count
    return lower_bound


def main() -> int:
    url, metric, quantiles = sys.argv[1], sys.argv[2], [float(q) for q in sys.argv[3:]]
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    pattern = re.compile(rf'^{re.escape(metric)}_bucket\{{.*le="([^"]+)".*\}} (\S+)$')
    buckets = sorted((float(m.group(1)), float(m.group(2))) for m in map(pattern.match, page.splitlines()) if m)
    print(" ".join(f"q{q:g}={quantile(buckets, q):.4f}" for q in quantiles))
    return 0


if __name__ == "__main__":
    sys.exit(main())
