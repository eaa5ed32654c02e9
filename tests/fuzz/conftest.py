"""Report how many requests the fuzzer sent (the count is part of the fuzzer's evidence)."""

from .world import SENT, summary


def pytest_terminal_summary(terminalreporter):
    if SENT:
        terminalreporter.write_line(summary())
