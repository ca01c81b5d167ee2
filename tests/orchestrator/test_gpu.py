"""GPU discovery against a fake /dev: no GPU exists on the test machines."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.orchestrator.executors.local.gpu import NoGpu, bwrap_args, discover


def _fake_dev(root: Path, names: list[str]) -> Path:
    dev = root / "dev"
    dev.mkdir()
    for name in names:
        (dev / name).parent.mkdir(parents=True, exist_ok=True)
        (dev / name).touch()
    return dev


def test_two_gpus_with_control_devices_and_caps(tmp_path: Path) -> None:
    dev = _fake_dev(
        tmp_path,
        [
            "nvidia1",
            "nvidia0",
            "nvidia10",
            "nvidiactl",
            "nvidia-uvm",
            "nvidia-caps/nvidia-cap1",
            "null",
            "sda",
        ],
    )
    gpu = discover(dev, lib_dirs=(), require_char_devices=False)
    assert gpu.devices == (
        "/dev/nvidia0",
        "/dev/nvidia1",
        "/dev/nvidia10",
        "/dev/nvidiactl",
        "/dev/nvidia-uvm",
        "/dev/nvidia-caps/nvidia-cap1",
    )
    assert gpu.gpu_count == 3
    assert bwrap_args(gpu)[:3] == ["--dev-bind", "/dev/nvidia0", "/dev/nvidia0"]


def test_driver_libraries_outside_usr_are_bound(tmp_path: Path) -> None:
    dev = _fake_dev(tmp_path, ["nvidia0", "nvidiactl"])
    libs = tmp_path / "nvidia" / "lib64"
    libs.mkdir(parents=True)
    (libs / "libcuda.so.1").touch()
    empty = tmp_path / "empty"
    empty.mkdir()
    gpu = discover(
        dev, lib_dirs=(str(libs), str(empty), "/usr/lib/x86_64-linux-gnu"), require_char_devices=False
    )
    assert gpu.lib_dirs == (str(libs),)
    assert ["--ro-bind", str(libs), str(libs)] == bwrap_args(gpu)[-3:]


def test_control_devices_alone_are_not_a_gpu(tmp_path: Path) -> None:
    dev = _fake_dev(tmp_path, ["nvidiactl", "nvidia-uvm"])
    with pytest.raises(NoGpu) as err:
        discover(dev, require_char_devices=False)
    assert "this machine has no GPU" in err.value.detail


def test_plain_files_are_not_devices_on_a_real_dev(tmp_path: Path) -> None:
    dev = _fake_dev(tmp_path, ["nvidia0", "nvidiactl"])
    with pytest.raises(NoGpu):
        discover(dev)


def test_this_machine(tmp_path: Path) -> None:
    """Whatever the host has: either real character devices, or a clear refusal."""
    try:
        gpu = discover()
    except NoGpu as exc:
        assert "the competition asks for one" in exc.detail
    else:
        assert gpu.gpu_count >= 1 and all(d.startswith("/dev/nvidia") for d in gpu.devices)
