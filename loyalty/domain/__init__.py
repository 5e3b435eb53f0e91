"""The pure domain: earning scale, events, ledger fold, operations. No I/O, no Flask, no storage."""
