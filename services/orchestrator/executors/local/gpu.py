"""NVIDIA GPUs for the local sandbox: find the host's devices and driver libraries.

Sits beside the sandbox modules: when a competition asks for a GPU, the runner calls
``discover``, which lists what must be passed into the sandbox, and ``argv.py`` turns it
into bwrap's arguments (``bwrap_args``: ``--dev-bind`` of each device node, read-only
binds of driver library folders outside ``/usr``, which the sandbox already sees) and
sets ``CPU_OR_GPU=gpu``. A host without an NVIDIA device raises ``NoGpu``:
a GPU competition never runs on the CPU without anyone noticing.

``dev_root`` and ``lib_dirs`` are parameters so the discovery can be tested against a
fake ``/dev`` on a machine that has no GPU.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

NO_GPU_DETAIL = (
    "this machine has no GPU (no /dev/nvidia* device); the competition asks for one, "
    "so the submission was not run on the CPU instead"
)
# the control devices every CUDA program opens, besides one /dev/nvidiaN per GPU
CONTROL_DEVICES = ("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset")
_GPU_DEVICE = re.compile(r"^nvidia\d+$")
# where driver installs put libcuda.so.1 outside a distribution's own library folder
DEFAULT_LIB_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib64",
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/lib/x86_64-linux-gnu",
    "/lib64",
    "/opt/nvidia/lib64",
)
DRIVER_LIBRARY = "libcuda.so.1"


class NoGpu(Exception):
    """The competition asks for a GPU and this host has none."""

    def __init__(self, detail: str = NO_GPU_DETAIL) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class GpuPassthrough:
    """What the sandbox must add for the GPU: device nodes and library folders."""

    devices: tuple[str, ...]
    lib_dirs: tuple[str, ...] = ()

    @property
    def gpu_count(self) -> int:
        return sum(1 for d in self.devices if _GPU_DEVICE.match(os.path.basename(d)))


def _is_char_device(path: Path) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def discover(
    dev_root: Path = Path("/dev"),
    lib_dirs: tuple[str, ...] = DEFAULT_LIB_DIRS,
    *,
    require_char_devices: bool = True,
) -> GpuPassthrough:
    """The host's NVIDIA devices and driver libraries; ``NoGpu`` if there is no GPU.

    Device paths are returned as the sandbox must see them (``/dev/...``), whatever
    ``dev_root`` was; ``require_char_devices=False`` lets a test's plain files stand in
    for device nodes.
    """
    try:
        names = sorted(os.listdir(dev_root))
    except OSError:
        names = []

    def present(rel: str) -> bool:
        path = dev_root / rel
        return _is_char_device(path) if require_char_devices else path.exists()

    gpus = sorted((n for n in names if _GPU_DEVICE.match(n) and present(n)), key=lambda n: int(n[6:]))
    if not gpus:
        raise NoGpu()
    devices = [f"/dev/{n}" for n in gpus]
    devices += [f"/dev/{n}" for n in CONTROL_DEVICES if n in names and present(n)]
    caps = dev_root / "nvidia-caps"
    if caps.is_dir():
        devices += [f"/dev/nvidia-caps/{n}" for n in sorted(os.listdir(caps)) if present(f"nvidia-caps/{n}")]
    # /usr is mounted into every sandbox already; only folders elsewhere need a bind
    extra = tuple(
        d
        for d in lib_dirs
        if not Path(d).resolve().is_relative_to("/usr") and (Path(d) / DRIVER_LIBRARY).exists()
    )
    return GpuPassthrough(devices=tuple(devices), lib_dirs=tuple(dict.fromkeys(extra)))


def bwrap_args(gpu: GpuPassthrough) -> list[str]:
    """bwrap arguments that pass the devices (read-write) and library folders (read-only)."""
    argv: list[str] = []
    for device in gpu.devices:
        argv += ["--dev-bind", device, device]
    for lib in gpu.lib_dirs:
        argv += ["--ro-bind", lib, lib]
    return argv
