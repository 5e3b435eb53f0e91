"""The data-safety matrix runs end to end: no confirmed sale is lost wherever a second copy exists, and no loss
goes unsaid; the baseline (both copies damaged, as the single-file outbox was) shows what the copy saves."""

from __future__ import annotations

import json

from bench import damage


def test_bench_damage_loses_nothing_confirmed_and_says_every_loss(capsys):
    assert damage.main(["--events", "6"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1].removeprefix("RESULT "))
    assert result["cases"] >= 19 and result["events_per_case"] == 6
    assert result["confirmed_lost_total"] == 0 and result["unreported_losses"] == 0
    assert result["baseline_lost_total"] > 0  # the same damage to the only file did lose sales
    assert any(line.startswith("restore over newer unsent sales") for line in out)
