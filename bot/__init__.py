"""The running program: settings, the CLI, the composition root and one adapter per surface."""
