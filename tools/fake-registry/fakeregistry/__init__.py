"""The fake container registry's modules (a package, so that their names never collide with the
Kubernetes emulator's flat modules when both suites share one interpreter)."""
