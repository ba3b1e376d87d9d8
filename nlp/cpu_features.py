"""What this CPU offers the model: whether bfloat16 matrix units (Intel AMX) are there, which decides the
fastest way to run it (``inference: auto``). Read from the kernel's CPU flags; elsewhere than Linux, or when
they cannot be read, the answer is no."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: str) -> set[str]:
    """The flags of the first processor listed in a ``/proc/cpuinfo`` text."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return set(value.split())
    return set()


@lru_cache(maxsize=1)
def has_amx_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in AMX tiles (Sapphire Rapids and later): there
    PyTorch's bfloat16 runs the encoder several times faster than float32, with the same dev figures (model
    card); without AMX bfloat16 is slower than float32."""
    try:
        return "amx_bf16" in cpu_flags(CPUINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False
