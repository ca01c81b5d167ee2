"""The local executor: runs in a bubblewrap sandbox on this machine, with cgroups,
seccomp, scratch mounts, an optional GPU and prepared Python runtimes."""
