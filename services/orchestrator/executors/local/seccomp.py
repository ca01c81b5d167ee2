"""The sandbox's seccomp filter: a blocklist in the spirit of Flatpak's.

Sits beside ``sandbox.py``, which hands the compiled program to bubblewrap
(``bwrap --seccomp FD``, in the command line of ``argv.py``); bwrap loads it just
before it execs the submission, so the filter binds the submission and everything it
starts, and nothing of the host.

Namespaces, dropped capabilities and the unprivileged uid already stop most of what is
listed here; the filter is the second wall, and it shrinks the kernel surface a
submission can reach (keyrings, BPF, perf events, userfaultfd, io_uring and the mount
API are where container escapes have come from). Everything not listed is allowed: a
machine-learning runtime needs threads, mmap, futexes, pipes and ``AF_UNIX`` sockets
(multiprocessing, joblib) and nothing on this list.

- Blocked calls fail with ``EPERM``, so a program sees an ordinary refusal and its
  error message reaches the log, instead of dying from a signal.
- ``socket()`` for any family but ``AF_UNIX`` fails with ``EAFNOSUPPORT``: no IP, no
  netlink, no packet sockets, even on loopback.
- ``clone()`` with a namespace flag fails; ``clone3()`` fails with ``ENOSYS`` because its
  flags sit behind a pointer a filter cannot read, and glibc then falls back to
  ``clone()`` (Flatpak does the same).
- ``ioctl(TIOCSTI)`` and ``ioctl(TIOCLINUX)`` (pushing keystrokes into a terminal) fail.
- ``personality()`` may only select ``PER_LINUX`` (no ``ADDR_NO_RANDOMIZE`` and friends).
- Only the native architecture is allowed: a 32-bit ``int 0x80`` system call (whose
  numbers differ, and would slip past every rule) kills the process.

The filter is built with libseccomp (Debian's ``libseccomp2``) through ``pyseccomp``, a
ctypes binding with the API of libseccomp's own Python module; it is compiled once per
process and written into a memfd for each run.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile

import structlog

log = structlog.get_logger(__name__)

# Each fails with EPERM. Grouped by why.
BLOCKED_SYSCALLS: tuple[str, ...] = (
    # mounts and namespaces: the sandbox's view of the file system is fixed
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    # looking into or steering other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    # kernel keyrings
    "keyctl",
    "add_key",
    "request_key",
    # kernel surfaces with a history of escapes
    "perf_event_open",
    "bpf",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_by_handle_at",
    "name_to_handle_at",
    # the kernel itself and the machine
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "syslog",
    "acct",
    "quotactl",
    "uselib",
    "iopl",
    "ioperm",
    "vhangup",
    "lookup_dcookie",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    # NUMA placement could let one run degrade others' memory
    "mbind",
    "set_mempolicy",
    "migrate_pages",
    "move_pages",
)

CLONE_NAMESPACE_FLAGS = {
    "CLONE_NEWTIME": 0x00000080,
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
TIOCSTI = 0x5412
TIOCLINUX = 0x541C
AF_UNIX = 1
PER_LINUX = 0


class SeccompUnavailable(Exception):
    """libseccomp (or its binding) is missing; the sandbox refuses to run without it."""


@functools.cache
def compiled_filter() -> bytes:
    """The BPF program (an array of ``struct sock_filter``), as bwrap's ``--seccomp`` reads it."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # OSError: libseccomp.so.2 not found
        raise SeccompUnavailable(
            f"libseccomp is not available ({exc}): install Debian's libseccomp2 and the "
            "pyseccomp package (`make install` does both)"
        ) from exc

    flt = sc.SyscallFilter(sc.ALLOW)
    eperm = sc.ERRNO(errno.EPERM)
    skipped: list[str] = []

    def rule(action: int, name: str, *args: object) -> None:
        try:
            flt.add_rule(action, name, *args)
        except (OSError, ValueError):
            # a system call this libseccomp does not know (older than the kernel's)
            skipped.append(name)

    for name in BLOCKED_SYSCALLS:
        rule(eperm, name)
    rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for flag in CLONE_NAMESPACE_FLAGS.values():
        rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    for request in (TIOCSTI, TIOCLINUX):
        rule(eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    rule(eperm, "personality", sc.Arg(0, sc.NE, PER_LINUX))
    rule(sc.ERRNO(errno.EAFNOSUPPORT), "socket", sc.Arg(0, sc.NE, AF_UNIX))
    if skipped:
        log.info("sandbox.seccomp_unknown_syscalls", skipped=skipped)

    with tempfile.TemporaryFile() as out:
        flt.export_bpf(out)
        out.seek(0)
        program = out.read()
    if not program or len(program) % 8:
        raise SeccompUnavailable(f"libseccomp produced a malformed program ({len(program)} bytes)")
    return program


def filter_fd() -> int:
    """A fresh read-only file descriptor holding the program, positioned at its start.

    The caller passes it to the child (``pass_fds``) and closes it afterwards; bwrap
    reads it to the end, so every run needs its own.
    """
    program = compiled_filter()
    fd = os.memfd_create("holdout-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program)
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd
