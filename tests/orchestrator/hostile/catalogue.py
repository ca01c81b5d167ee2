# ruff: noqa: E501 - the cases are participant code, written as a participant would
"""Hostile submissions: what a participant might try, and how each must end.

Every case is a zip as a participant would upload it. A case whose attack is
contained runs to the end and writes correct predictions; its code checks, inside the
sandbox, that each attempt failed and raises ``SystemExit("ESCAPED: ...")`` if one did
not, so a hole shows up as a ``runtime_error`` with the evidence in the detail. A case
that can only end badly (a memory bomb, a zip bomb) expects its failure reason.

``HELPER`` is shipped as ``hostile.py`` in every zip.
"""

from __future__ import annotations

import io
import stat
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.events import FailureReason

SECRET = "holdout-test-secret-5c1e9a"
LABEL_MARKER = "lbl-marker-93b1f"
DAEMON_MARKER = "holdout-hostile-daemon-0d4f"
TIME_LIMIT_S = 4.0

HELPER = """
import errno, os

FEATURES = "/code_execution/data/features.csv"
PREDICTIONS = "/code_execution/submission/submission.csv"


def predict():
    # the correct answer: label = 1 when x > 0.5
    with open(FEATURES) as f, open(PREDICTIONS, "w") as out:
        next(f)
        out.write("id,label\\n")
        for line in f:
            i, x = line.strip().split(",")
            out.write(f"{i},{int(float(x) > 0.5)}\\n")


def write_file(path, data=b"x"):
    # unbuffered: a buffered write reports its error only when the file is closed
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        return os.write(fd, data)
    finally:
        os.close(fd)


def escaped(what):
    raise SystemExit(f"ESCAPED: {what}")


def refused(what, fn, *errnos):
    \"\"\"Call fn; it must raise OSError (with one of errnos, if given).\"\"\"
    try:
        result = fn()
    except OSError as exc:
        if errnos and exc.errno not in errnos:
            escaped(f"{what}: unexpected {errno.errorcode.get(exc.errno, exc.errno)} ({exc})")
        print(f"contained: {what}: {errno.errorcode.get(exc.errno, exc.errno)}")
        return
    escaped(f"{what} succeeded: {result!r}")


def libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)


def syscall_fails(what, nr, *args, expect=errno.EPERM):
    import ctypes
    c = libc()
    c.syscall.restype = ctypes.c_long
    r = c.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    err = ctypes.get_errno()
    if r != -1:
        escaped(f"{what} returned {r}")
    if err != expect:
        escaped(f"{what} failed with {errno.errorcode.get(err, err)}, not {errno.errorcode[expect]}")
    print(f"contained: {what}: {errno.errorcode[err]}")
"""


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    main: str = ""
    expect: FailureReason | None = None
    detail_contains: tuple[str, ...] = ()
    log_contains: tuple[str, ...] = ()
    # a prebuilt archive instead of main.py + hostile.py
    archive: Callable[[], bytes] | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    def zip_bytes(self) -> bytes:
        if self.archive is not None:
            return self.archive()
        return build_zip({"main.py": textwrap.dedent(self.main), "hostile.py": HELPER})


def build_zip(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _zip_slip() -> bytes:
    return build_zip({"main.py": "print('hi')\n", "../../../../etc/cron.d/holdout": "* * * * * root id\n"})


def _zip_absolute() -> bytes:
    return build_zip({"main.py": "print('hi')\n", "/etc/profile.d/holdout.sh": "id\n"})


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("main.py", "print('hi')\n")
        info = zipfile.ZipInfo("model.bin")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB of zeros: about 64 KiB compressed, 1000:1
                f.write(block)
    return buf.getvalue()


def _zip_symlink() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("main.py", "print(open('model.pkl').read())\n")
        link = zipfile.ZipInfo("model.pkl")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/shadow")
    return buf.getvalue()


CASES: list[Case] = [
    Case(
        "network_loopback",
        "reach PostgreSQL and RabbitMQ on the host's loopback, or listen on a port",
        """
        import socket
        from hostile import predict, refused
        for port in (5432, 5672, 8000):
            refused(f"connect 127.0.0.1:{port}", lambda: socket.create_connection(("127.0.0.1", port), 2))
        refused("listen on a TCP port", lambda: socket.socket().bind(("127.0.0.1", 8080)))
        refused("raw socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1))
        predict()
        """,
        log_contains=("contained: connect 127.0.0.1:5432: EAFNOSUPPORT",),
    ),
    Case(
        "dns",
        "resolve a name (to exfiltrate through DNS)",
        """
        import os, socket
        from hostile import escaped, predict, refused
        refused("read /etc/resolv.conf", lambda: open("/etc/resolv.conf").read())
        try:
            socket.getaddrinfo("pypi.org", 443)
            escaped("DNS resolved pypi.org")
        except socket.gaierror as exc:
            print("contained: DNS:", exc)
        refused("UDP to 8.8.8.8:53", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53)))
        predict()
        """,
        log_contains=("contained: DNS:",),
    ),
    Case(
        "host_files",
        "read the host's secrets and configuration",
        """
        import os
        from hostile import escaped, predict, refused
        for path in ("/etc/shadow", "/etc/passwd", "/etc/hostname", "/root/.bash_history", "/root/.ssh/id_rsa",
                     "/var/lib/postgresql/15/main/PG_VERSION", "/work/main/pyproject.toml", "/home",
                     "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/proc/1/root/etc/shadow",
                     "/var/run/docker.sock", "/run/systemd/private"):
            refused(f"read {path}", lambda: open(path).read() if not os.path.isdir(path) else os.listdir(path))
        visible = sorted(os.listdir("/"))
        allowed = {"bin", "code_execution", "dev", "etc", "lib", "lib64", "opt", "proc", "sbin", "tmp", "usr"}
        if set(visible) - allowed:
            escaped(f"unexpected top-level folders {sorted(set(visible) - allowed)}")
        print("contained: / holds", visible)
        predict()
        """,
        log_contains=("contained: read /etc/shadow: ENOENT",),
    ),
    Case(
        "environment_secrets",
        "find the orchestrator's secrets in the environment or in another process's",
        f"""
        import glob, os
        from hostile import escaped, predict
        secret = {SECRET!r}
        extra = set(os.environ) - {{"IS_SMOKE", "CPU_OR_GPU", "PYTHONUNBUFFERED", "HOME", "PATH", "LANG",
                                     "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PWD"}}
        if extra:
            escaped(f"unexpected environment variables {{sorted(extra)}}")
        for path in glob.glob("/proc/*/environ"):
            try:
                if secret.encode() in open(path, "rb").read():
                    escaped(f"secret in {{path}}")
            except OSError:
                pass
        print("contained: environment is", sorted(os.environ), "and no process holds the secret")
        predict()
        """,
        log_contains=("contained: environment is",),
    ),
    Case(
        "label_hunt",
        "search every readable file for the hidden labels",
        f"""
        import os
        from hostile import escaped, predict
        marker = ({LABEL_MARKER[:4]!r} + {LABEL_MARKER[4:]!r}).encode()  # not in this file as one string
        searched = walked = 0
        for root, dirs, files in os.walk("/"):
            if root == "/":
                dirs[:] = [d for d in dirs if d not in ("proc", "dev")]
            # installed packages are only read where a labels file could hide (csv, text)
            packages = root.startswith(("/usr", "/opt/holdout/runtime"))
            for name in files:
                walked += 1
                path = os.path.join(root, name)
                if "labels" in name.lower() and not packages:
                    escaped(f"a labels file is visible: {{path}}")
                if packages and not name.endswith((".csv", ".txt", ".json")):
                    continue
                try:
                    if os.path.islink(path) or os.path.getsize(path) > 4 * 1024 * 1024:
                        continue
                    with open(path, "rb") as f:
                        searched += 1
                        if marker in f.read():
                            escaped(f"labels found in {{path}}")
                except OSError:
                    pass
        if walked < 1000:
            escaped(f"only {{walked}} files seen: the hunt did not really look")
        print(f"contained: searched {{searched}} of {{walked}} files, no labels")
        predict()
        """,
        spec={"time_limit_s": 120},  # walks every file: seconds alone, far more beside a loaded suite
        log_contains=("contained: searched",),
    ),
    Case(
        "write_test_data",
        "overwrite the test features, the code or the runtime",
        """
        import errno
        from hostile import predict, refused, write_file
        for path in ("/code_execution/data/features.csv", "/code_execution/data/new.csv",
                     "/code_execution/src/main.py", "/opt/holdout/runtime/bin/python", "/usr/bin/holdout", "/etc/x"):
            refused(f"write {path}", lambda: write_file(path), errno.EROFS, errno.EACCES)
        predict()
        """,
        log_contains=(
            "contained: write /code_execution/data/features.csv: E",
            "contained: write /code_execution/data/new.csv: EROFS",
        ),
    ),
    Case(
        "fork_bomb",
        "fork without end",
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """,
        expect=FailureReason.TIME_LIMIT_EXCEEDED,
        detail_contains=("time limit",),
        spec={"max_processes": 24},
    ),
    Case(
        "memory_bomb",
        "allocate memory without end",
        """
        blocks = []
        while True:
            blocks.append(bytearray(32 * 1024 * 1024))
        """,
        expect=FailureReason.MEMORY_LIMIT_EXCEEDED,
        detail_contains=("exceeded the 256 MiB memory limit",),
    ),
    Case(
        "disk_fill_submission",
        "fill the disk through the predictions folder, many files",
        """
        from hostile import predict
        i = 0
        try:
            while True:
                with open(f"/code_execution/submission/fill-{i}.bin", "wb") as f:
                    f.write(b"x" * 1024 * 1024)
                i += 1
        except OSError as exc:
            print("stopped after", i, "MiB:", exc)
        predict()
        """,
        expect=FailureReason.OUTPUT_LIMIT_EXCEEDED,
        detail_contains=("output limit", "/code_execution/submission"),
    ),
    Case(
        "disk_fill_tmp",
        "fill the disk through /tmp",
        """
        i = 0
        while True:
            with open(f"/tmp/fill-{i}.bin", "wb") as f:
                f.write(b"x" * 1024 * 1024)
            i += 1
        """,
        expect=FailureReason.OUTPUT_LIMIT_EXCEEDED,
        detail_contains=("scratch space in /tmp",),
    ),
    Case(
        "huge_output_file",
        "write one huge file",
        """
        with open("/code_execution/submission/submission.csv", "wb") as f:
            while True:
                f.write(b"1,1\\n" * 65536)
        """,
        expect=FailureReason.OUTPUT_LIMIT_EXCEEDED,
        detail_contains=("output limit",),
    ),
    Case(
        "log_spam",
        "print a flood to stdout and stderr",
        """
        import sys
        from hostile import predict
        line = "spam " * 40 + "\\n"
        for i in range(200_000):
            (sys.stdout if i % 2 else sys.stderr).write(line)
        print("the last line of the log")
        predict()
        """,
        log_contains=("earlier bytes of output were dropped", "the last line of the log"),
        # 40 MB of output through the log cap: bounded, but past 4 s on a loaded 2-core machine
        spec={"time_limit_s": 20},
    ),
    Case(
        "sleep_forever",
        "never finish",
        """
        import time
        time.sleep(10**6)
        """,
        expect=FailureReason.TIME_LIMIT_EXCEEDED,
        detail_contains=(f"ran longer than the {TIME_LIMIT_S:g} s time limit",),
    ),
    Case(
        "spin_every_core",
        "busy-loop on every core to starve other runs",
        """
        import os, time
        from hostile import predict
        kids = []
        for _ in range(2 * os.cpu_count()):
            pid = os.fork()
            if pid == 0:
                end = time.monotonic() + 2
                while time.monotonic() < end:
                    pass
                os._exit(0)
            kids.append(pid)
        for pid in kids:
            os.waitpid(pid, 0)
        predict()
        """,
        spec={"cpus": 0.5},
    ),
    Case(
        "orphaned_daemon",
        "leave a daemon behind (double fork + setsid)",
        f"""
        import os
        from hostile import predict
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sh", ["sh", "-c", "while true; do sleep 1; done # {DAEMON_MARKER}"])
            os._exit(0)
        os.wait()
        predict()
        """,
    ),
    Case(
        "kill_everything",
        "kill -1: signal every process the sandbox user may signal",
        """
        import os, signal, subprocess, time
        from hostile import escaped, predict
        sibling = subprocess.Popen(["sleep", "1000"])
        os.kill(-1, signal.SIGKILL)
        time.sleep(0.2)
        if sibling.poll() is None:
            escaped("kill -1 did not reach the run's own processes")
        print("contained: kill -1 killed only this run's processes:", sibling.returncode)
        predict()
        """,
        log_contains=("contained: kill -1",),
    ),
    Case(
        "privilege_escalation",
        "become root: setuid binaries, sudo, su, setuid()",
        """
        import os, shutil, subprocess
        from hostile import escaped, predict, refused
        refused("setuid(0)", lambda: os.setuid(0))
        refused("setgid(0)", lambda: os.setgid(0))
        setuid = []
        for d in ("/usr/bin", "/usr/sbin", "/usr/lib"):
            for root, _, files in os.walk(d):
                for f in files:
                    p = os.path.join(root, f)
                    try:
                        if os.stat(p).st_mode & 0o4000:
                            setuid.append(p)
                    except OSError:
                        pass
        tried = 0
        for cmd in (["su", "-c", "id -u"], ["sudo", "-n", "id", "-u"], ["newgrp"], ["mount", "--version"],
                    ["passwd", "--help"], ["chsh", "--help"], ["gpasswd", "--help"], ["umount", "--help"]):
            exe = shutil.which(cmd[0])
            if exe is None:
                continue
            tried += 1
            try:
                out = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, timeout=1, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                continue
            if out.stdout.strip() == "0":
                escaped(f"{cmd} ran as root")
        if os.geteuid() == 0 or os.getegid() == 0 or 0 in os.getgroups():
            escaped("running as root")
        caps = [l for l in open("/proc/self/status") if l.startswith(("CapEff", "CapPrm", "CapBnd", "NoNewPrivs"))]
        print("contained: uid", os.getuid(), "tools tried:", tried, "setuid binaries present:", setuid, *caps)
        if not any(l.startswith("CapEff:\\t0000000000000000") for l in caps):
            escaped(f"capabilities {caps}")
        predict()
        """,
        log_contains=("contained: uid 64000",),
        # it walks /usr and tries up to eight tools with a 1 s timeout each: bounded, but
        # past the catalogue's 4 s on a loaded 2-core machine
        spec={"time_limit_s": 120},  # as label_hunt: slow beside a loaded suite
    ),
    Case(
        "user_namespace",
        "unshare -r, clone(CLONE_NEWUSER), setns",
        """
        import os, shutil, subprocess
        from hostile import escaped, predict, syscall_fails
        out = subprocess.run(["unshare", "-r", "id", "-u"], capture_output=True, text=True)
        if out.returncode == 0:
            escaped(f"unshare -r ran: {out.stdout}")
        print("contained: unshare -r:", out.stderr.strip())
        syscall_fails("unshare(CLONE_NEWUSER)", 272, 0x10000000)
        syscall_fails("unshare(CLONE_NEWNS)", 272, 0x00020000)
        syscall_fails("setns", 308, 0, 0)
        syscall_fails("clone(CLONE_NEWUSER)", 56, 0x10000000 | 17, 0, 0, 0, 0)
        syscall_fails("clone3", 435, 0, 0, expect=38)
        predict()
        """,
        log_contains=("contained: unshare(CLONE_NEWUSER): EPERM",),
    ),
    Case(
        "mount",
        "mount over the data, pivot_root, chroot",
        """
        import subprocess
        from hostile import escaped, predict, syscall_fails
        out = subprocess.run(["mount", "-t", "tmpfs", "x", "/code_execution/data"], capture_output=True, text=True)
        if out.returncode == 0:
            escaped("mount worked")
        import ctypes
        c = ctypes.CDLL(None, use_errno=True)
        if c.mount(b"none", b"/tmp", b"tmpfs", 0, None) == 0:
            escaped("mount(2) worked")
        print("contained: mount:", ctypes.get_errno())
        syscall_fails("umount2", 166, 0, 0)
        syscall_fails("pivot_root", 155, 0, 0)
        syscall_fails("chroot", 161, 0)
        syscall_fails("fsopen", 430, 0, 0)
        predict()
        """,
        log_contains=("contained: pivot_root: EPERM",),
    ),
    Case(
        "ptrace",
        "trace or read the memory of another process",
        """
        import os, subprocess
        from hostile import predict, refused, syscall_fails
        child = subprocess.Popen(["sleep", "30"])
        syscall_fails("ptrace(PTRACE_TRACEME)", 101, 0, 0, 0, 0)
        syscall_fails("ptrace(PTRACE_ATTACH)", 101, 16, child.pid, 0, 0)
        syscall_fails("process_vm_readv", 310, child.pid, 0, 0, 0, 0, 0)
        refused("read /proc/1/mem", lambda: open("/proc/1/mem", "rb").read(1))
        child.kill()
        predict()
        """,
        log_contains=("contained: ptrace(PTRACE_ATTACH): EPERM",),
    ),
    Case(
        "kernel_surface",
        "keyrings, bpf, perf_event_open, userfaultfd, io_uring, kernel modules",
        """
        from hostile import predict, syscall_fails
        syscall_fails("keyctl", 250, 0, 0, 0, 0)
        syscall_fails("add_key", 248, 0, 0, 0, 0, 0)
        syscall_fails("request_key", 249, 0, 0, 0, 0)
        syscall_fails("bpf", 321, 0, 0, 0)
        syscall_fails("perf_event_open", 298, 0, 0, -1, -1, 0)
        syscall_fails("userfaultfd", 323, 0)
        syscall_fails("io_uring_setup", 425, 1, 0)
        syscall_fails("init_module", 175, 0, 0, 0)
        syscall_fails("finit_module", 313, 0, 0, 0)
        syscall_fails("kexec_load", 246, 0, 0, 0, 0)
        syscall_fails("personality(ADDR_NO_RANDOMIZE)", 135, 0x0040000)
        predict()
        """,
        log_contains=("contained: bpf: EPERM", "contained: userfaultfd: EPERM"),
    ),
    Case(
        "symlinked_predictions",
        "make the predictions a symlink to a host file",
        """
        import os
        os.symlink("/etc/shadow", "/code_execution/submission/submission.csv")
        """,
        expect=FailureReason.INVALID_PREDICTIONS,
        detail_contains=("symbolic link",),
    ),
    Case(
        "fifo_predictions",
        "make the predictions a FIFO so the host blocks reading it",
        """
        import os
        os.mkfifo("/code_execution/submission/submission.csv")
        """,
        expect=FailureReason.INVALID_PREDICTIONS,
        detail_contains=("is a named pipe (FIFO), expected a CSV file",),
    ),
    Case(
        "directory_predictions",
        "make the predictions a directory so the host fails reading it",
        """
        import os
        os.makedirs("/code_execution/submission/submission.csv/inner")
        """,
        expect=FailureReason.INVALID_PREDICTIONS,
        detail_contains=("is a directory, expected a CSV file",),
    ),
    Case(
        "zip_slip",
        "a zip entry that climbs out of the folder",
        archive=_zip_slip,
        expect=FailureReason.INVALID_SUBMISSION,
        detail_contains=("'..' in a path is not allowed",),
    ),
    Case(
        "zip_absolute_path",
        "a zip entry with an absolute path",
        archive=_zip_absolute,
        expect=FailureReason.INVALID_SUBMISSION,
        detail_contains=("absolute paths are not allowed",),
    ),
    Case(
        "zip_bomb",
        "a tiny zip that unpacks to a huge file",
        archive=_zip_bomb,
        expect=FailureReason.INVALID_SUBMISSION,
        detail_contains=("compression ratio", "zip bomb"),
    ),
    Case(
        "zip_symlink",
        "a symlink in the zip pointing at a host file",
        archive=_zip_symlink,
        expect=FailureReason.INVALID_SUBMISSION,
        detail_contains=("symbolic links are not allowed",),
    ),
    Case(
        "devices",
        "open disks, kernel memory, the kernel log, GPUs",
        """
        import os
        from hostile import escaped, predict, refused
        for dev in ("/dev/sda", "/dev/nvme0n1", "/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/nvidia0",
                    "/dev/fuse", "/dev/net/tun", "/dev/loop0"):
            refused(f"open {dev}", lambda: open(dev, "rb"))
        refused("mknod a disk", lambda: os.mknod("/tmp/sda", 0o600 | 0o060000, os.makedev(8, 0)))
        print("contained: /dev holds", sorted(os.listdir("/dev")))
        predict()
        """,
        log_contains=("contained: open /dev/mem: ENOENT",),
    ),
    Case(
        "proc_sys",
        "write kernel settings and trigger sysrq",
        """
        import errno
        from hostile import predict, refused, write_file
        for path in ("/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger",
                     "/proc/sys/kernel/core_pattern", "/proc/self/oom_score_adj"):
            refused(f"write {path}", lambda: write_file(path, b"-1000\\n" if "oom" in path else b"x"))
        predict()
        """,
        log_contains=("contained: write /proc/sys/kernel/core_pattern",),
    ),
    Case(
        "tiocsti",
        "push keystrokes into the host's terminal (TIOCSTI)",
        """
        import fcntl, termios
        from hostile import predict, refused
        for fd in (0, 1, 2):
            refused(f"TIOCSTI on fd {fd}", lambda: fcntl.ioctl(fd, termios.TIOCSTI, b"x"), 1)
        refused("open /dev/tty", lambda: open("/dev/tty", "wb"))
        predict()
        """,
        log_contains=("contained: TIOCSTI on fd 1: EPERM",),
    ),
    Case(
        "runtime_error",
        "a plain crash: the detail must carry the exit code and the log's tail",
        """
        import sys
        print("loading model.pkl")
        print("FileNotFoundError: model.pkl", file=sys.stderr)
        sys.exit(3)
        """,
        expect=FailureReason.RUNTIME_ERROR,
        detail_contains=("exited with code 3; last lines of the log:", "FileNotFoundError: model.pkl"),
    ),
    Case(
        "missing_predictions",
        "forget to write the predictions",
        "print('done')\n",
        expect=FailureReason.MISSING_PREDICTIONS,
        detail_contains=("predictions file is missing: expected /code_execution/submission/submission.csv",),
    ),
]

NORMAL = Case(
    "normal",
    "an honest submission running alongside the hostile ones",
    """
    import pandas
    from hostile import predict
    predict()
    """,
)
