#!/usr/bin/env python3
"""A proxy for the quality of the arm64 backend's code where there is no
AArch64 hardware: each benchmark kernel's time with kiln's arm64 code under
qemu-aarch64, relative to the same kernel's C source built for AArch64 by
clang -O2 and also run under qemu; next to the same ratio on x86-64 without
qemu (kiln's amd64 code against clang -O2 native code); and the size of each
module's machine code on both ISAs. clang compiles with -ffp-contract=off, as
wasm allows no fused multiply-add.

qemu translates both programs the same way, so the arm64 ratio says how kiln's
instruction sequences compare with an optimizing C compiler's, not how fast
either would run on hardware. Times are CPU seconds (user + system) of the
whole process, the minimum over the repeats, so that a loaded machine skews
them less. kiln runs each kernel from an artifact compiled beforehand (`kiln
compile`), so that compile time is not counted.

    isa-arm64/bench/qemu_ratios.py [--mode bench|test] [--repeat N] [--filter S]

Needs what .ci/run installs (qemu-user, the AArch64 cross toolchain and Rust
target) and clang (Debian's clang-14 will do; --cc names another).
"""

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARM64 = "aarch64-unknown-linux-gnu"
QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]


def build_kiln():
    """Builds the kiln command for both ISAs; returns their paths."""
    for extra in ([], ["--target", ARM64]):
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "kiln-cli", *extra],
            cwd=ROOT,
            check=True,
        )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "kiln", target / ARM64 / "release" / "kiln"


def cpu_seconds(argv, cwd):
    """Runs argv; returns its CPU seconds, exit status and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, cwd=cwd, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, proc.returncode, proc.stdout, proc.stderr


def code_bytes(stderr):
    """The size kiln's `--stats` reports for the module's machine code."""
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith("kiln-stats code_bytes="):
            return int(line.split("=", 1)[1])
    raise RuntimeError("kiln printed no code_bytes line:\n" + stderr.decode(errors="replace"))


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["bench", "test"], default="bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--filter", default="")
    parser.add_argument("--cc", default=shutil.which("clang") and "clang" or "clang-14")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    options = parser.parse_args()

    kernels_dir = options.shared / "bench" / "kernels"
    kernels = sorted(
        k for k in kernels_dir.iterdir() if (k / "bench.json").exists() and options.filter in k.name
    )
    if not kernels:
        sys.exit(f"no kernels under {kernels_dir} match {options.filter!r}")
    kiln_x86, kiln_arm64 = build_kiln()
    scratch = Path(tempfile.mkdtemp(prefix="qemu-ratios-"))
    try:
        rows = [measure(k, options, kiln_x86, kiln_arm64, scratch) for k in kernels]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nmode {options.mode}, CPU seconds, minimum of {options.repeat}; ratios kiln / clang -O2")
    header = ("kernel", "arm64 qemu", "x86-64", "arm64 s", "clang s", "x86 s", "clang s",
              "arm64 B", "amd64 B", "size")
    print("%-11s %10s %8s %8s %8s %8s %8s %8s %8s %6s" % header)
    for r in rows:
        print("%-11s %10.2f %8.2f %8.2f %8.2f %8.3f %8.3f %8d %8d %6.2f" % (
            r["kernel"], r["arm64"] / r["arm64_clang"], r["x86"] / r["x86_clang"],
            r["arm64"], r["arm64_clang"], r["x86"], r["x86_clang"],
            r["arm64_bytes"], r["amd64_bytes"], r["arm64_bytes"] / r["amd64_bytes"]))
    print("%-11s %10.2f %8.2f %62.2f" % (
        "geomean",
        geomean([r["arm64"] / r["arm64_clang"] for r in rows]),
        geomean([r["x86"] / r["x86_clang"] for r in rows]),
        geomean([r["arm64_bytes"] / r["amd64_bytes"] for r in rows])))


def measure(kernel, options, kiln_x86, kiln_arm64, scratch):
    """Builds and runs one kernel every way; returns its figures."""
    spec = json.loads((kernel / "bench.json").read_text())["runs"][options.mode]
    args = spec["args"]
    expected = (kernel / spec["expect_stdout"]).read_bytes()
    work = scratch / kernel.name
    work.mkdir()
    module = kernel / "module.wasm"
    native_x86, native_arm64 = work / "native-x86", work / "native-arm64"
    artifact_x86, artifact_arm64 = work / "kiln-x86", work / "kiln-arm64"
    main_c = str(kernel / "main.c")
    # No fused multiply-add: wasm rounds every operation, so clang's default
    # contraction on AArch64 would change the kernels' floating-point output.
    c_flags = ["-O2", "-ffp-contract=off"]
    steps = [
        [options.cc, *c_flags, "-o", str(native_x86), main_c, "-lm"],
        [options.cc, "--target=aarch64-linux-gnu", *c_flags, "-o", str(native_arm64), main_c, "-lm"],
        [str(kiln_x86), "compile", str(module), "-o", str(artifact_x86)],
        QEMU + [str(kiln_arm64), "compile", str(module), "-o", str(artifact_arm64)],
    ]
    for step in steps:
        subprocess.run(step, check=True, capture_output=True)

    runs = {
        "x86_clang": [str(native_x86)] + args,
        "x86": [str(kiln_x86), "run", "--stats", str(artifact_x86)] + args,
        "arm64_clang": QEMU + [str(native_arm64)] + args,
        "arm64": QEMU + [str(kiln_arm64), "run", "--stats", str(artifact_arm64)] + args,
    }
    figures = {"kernel": kernel.name}
    for _ in range(options.repeat):
        for name, argv in runs.items():
            seconds, status, stdout, stderr = cpu_seconds(argv, work)
            if status != spec["expect_exit"] or stdout != expected:
                sys.exit(f"{kernel.name} ({name}) exited {status} with unexpected output")
            figures[name] = min(figures.get(name, math.inf), seconds)
            if name == "x86":
                figures["amd64_bytes"] = code_bytes(stderr)
            elif name == "arm64":
                figures["arm64_bytes"] = code_bytes(stderr)
    print(f"{kernel.name}: " + ", ".join(
        f"{name} {figures[name]:.3f} s" for name in runs), flush=True)
    return figures


if __name__ == "__main__":
    main()
