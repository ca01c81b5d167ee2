"""The runtimes participants can see: what a runtime installs, to reproduce it at home."""
