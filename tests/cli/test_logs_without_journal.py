"""`kiosk logs` on a machine whose journal has nothing for the unit: the service's own log file, or where to look."""

from __future__ import annotations

import logging
import os
import stat

from click.testing import CliRunner

from kiosk.cli import main
from kiosk.service_log import log_file, start_file_log


def _empty_journal(tmp_path, monkeypatch):
    """journalctl as on a machine where the kiosk unit never ran: `-q` prints nothing and exits 0."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "journalctl"
    script.write_text('#!/bin/sh\ncase "$*" in *-q*) exit 0;; esac\necho "-- No entries --"\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


def test_no_journal_and_no_log_file_says_where_the_logs_would_be(cli_config, tmp_path, monkeypatch):
    _empty_journal(tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["logs"])
    assert result.exit_code == 2 and "-- No entries --" not in result.output
    assert "the journal has no entries for the kiosk unit" in result.output
    assert str(log_file(cli_config)) in result.output


def test_a_service_outside_systemd_writes_the_log_file_that_logs_reads(cli_config, tmp_path, monkeypatch):
    _empty_journal(tmp_path, monkeypatch)
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    root = logging.getLogger()
    before = list(root.handlers)
    start_file_log(cli_config)
    try:
        for n in range(5):
            logging.getLogger("kiosk.service").warning("line %d of the service", n)
    finally:
        for handler in set(root.handlers) - set(before):
            handler.close()
            root.removeHandler(handler)
    result = CliRunner().invoke(main, ["logs", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "line 4 of the service" in result.output and "line 3" in result.output and "line 2" not in result.output
