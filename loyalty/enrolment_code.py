"""The shape of a back-office enrolment code, checked on the device before central is asked.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I), shown as K7QP-M3XZ-R9TW; spaces,
case and dashes do not matter. A typo that cannot be a code is said at once, apart from a code central refuses.
"""

from __future__ import annotations

from loyalty.errors import EnrolmentCodeMalformed

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def normalise_code(code: str) -> str:
    """'k7qp m3xz-r9tw ' → 'K7QP-M3XZ-R9TW': spaces, case and missing dashes do not matter."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def check_code(code: str) -> str:
    """The normalised code, or EnrolmentCodeMalformed saying what is wrong with what was typed."""
    compact = normalise_code(code).replace("-", "")
    wrong = sorted({ch for ch in compact if ch not in CODE_ALPHABET})
    if len(compact) != CODE_LENGTH or wrong:
        detail = (
            f"it has {', '.join(wrong)}, which no code uses (0 and 1 are never in a code: O and I neither)"
            if wrong
            else f"it has {len(compact)} letters and digits, a code has {CODE_LENGTH}"
        )
        raise EnrolmentCodeMalformed(
            f"this is not an enrolment code: {detail}; type it as the back office shows it, e.g. K7QP-M3XZ-R9TW"
        )
    return normalise_code(code)
