"""Run the benchmarks: ``python -m bench [P1 ...]`` (all by default)."""

from __future__ import annotations

import asyncio
import sys

from bench import (
    p1_latency,
    p2_throughput,
    p3_upload,
    p4_scoring,
    p5_board,
    p5_large,
    p6_azure,
    p6_read,
    p7_fairness,
    p8_web,
    p9_scoring_program,
    p10_replicas,
    p11_kube,
)
from bench.common import RESULTS, record

BENCHMARKS = {
    "P1": p1_latency.run,
    "P1-prod": p1_latency.run_prod,
    "P2": p2_throughput.run,
    "P2-prod": p2_throughput.run_prod,
    "P3": p3_upload.run,
    "P4": p4_scoring.run,
    "P5": p5_board.run,
    "P5-large": p5_large.run,
    "P6": p6_read.run,
    "P6-azure": p6_azure.run,
    "P7": p7_fairness.run,
    "P8": p8_web.run,
    "P9": p9_scoring_program.run,
    "P10": p10_replicas.run,
    "P11": p11_kube.run,
}


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    for key in chosen:
        if key not in BENCHMARKS:
            print(f"unknown benchmark {key!r}; choose from {', '.join(BENCHMARKS)}")
            return 2
        result = asyncio.run(BENCHMARKS[key]())
        record(key, result)
        print(
            f"{key}: {result['value']:.3f} (p99 {result['p99']:.3f}), goal {result['goal']}, "
            f"{'met' if result['met'] else 'NOT met'} | Holdout {result['holdout_text']} | "
            f"baseline {result['baseline_text']}"
        )
    print(f"results: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
