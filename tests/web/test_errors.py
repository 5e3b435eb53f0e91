"""The web UI's one error table: the hardware's errors, apart from the product's, are answered like them."""

from __future__ import annotations

from flask import Blueprint

from hardware.errors import HardwareError, PaperOut
from loyalty.errors import KioskError, UnknownCard
from web.errors import status_for


def test_hardware_errors_are_their_own_hierarchy_and_keep_their_status():
    assert not issubclass(HardwareError, KioskError)
    assert status_for(PaperOut("no paper")) == 503
    assert status_for(UnknownCard("no such card")) == 404


def test_a_hardware_error_in_a_request_answers_503_with_its_kinds(service):
    from web import create_app

    failing = Blueprint("failing", __name__)

    @failing.get("/api/fails")
    def fails():
        raise PaperOut("the printer has no paper")

    app = create_app(service, {"TESTING": True})
    app.register_blueprint(failing)
    answer = app.test_client().get("/api/fails")
    assert answer.status_code == 503
    assert answer.get_json() == {
        "error": "PaperOut",
        "message": "the printer has no paper",
        "kinds": ["PaperOut", "PrinterError", "HardwareError"],
    }
