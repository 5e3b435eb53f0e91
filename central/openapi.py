"""The OpenAPI 3.1 document of central's API, served at /api/openapi.json; tests hold it to the URL map."""

from __future__ import annotations

from typing import Any

from central import cashier_figures, training_progress
from loyalty.domain.earning import MAX_RECEIPT_CENTS
from loyalty.domain.events import EVENT_TYPES
from loyalty.drills import DRILLS, MAX_CASHIER_ID, MAX_SCORE, MAX_SECONDS
from loyalty.wire import ADOPTION_COUNTERS

_ERROR = {"$ref": "#/components/responses/Error"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema:
        answer.update(_json(schema))
    return answer


def _op(
    summary: str,
    ok: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    auth: str | None = "device",
    params: list[dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (400, 401),
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": ok}}
    for code in errors:
        op["responses"][str(code)] = _ERROR
    op["responses"]["503"] = _ERROR
    if body is not None:
        op["requestBody"] = {"required": True, **body}
    op["security"] = [{auth: []}] if auth else []
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(required)}


STR = {"type": "string"}
#: What `central.devices.check_device_id` accepts.
DEVICE_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "not": {"const": "central"}}
ID = {"type": "string", "minLength": 1, "maxLength": 64}
INT = {"type": "integer", "minimum": 0}


def document(max_batch: int, max_pull: int, max_body: int) -> dict[str, Any]:
    """The document, with the limits this instance enforces."""
    event = {
        "type": "object",
        "required": ["type", "event_id", "device_id", "seq"],
        "properties": {
            "type": {"enum": sorted(EVENT_TYPES)},
            "event_id": {"type": "string", "format": "uuid"},
            "device_id": STR,
            "seq": {"type": "integer", "minimum": 1},
            "at": STR,
            "cashier_id": {"type": ["string", "null"]},
        },
        "additionalProperties": True,
        "description": "An event record as made by loyalty.domain.events.to_record; the fields of each "
        "type are checked strictly and unknown fields are refused.",
    }
    never = {"type": "null", "description": "Always null: contact details stay at central"}
    customer_state = _obj(
        {
            "customer_id": STR,
            "points": {"type": "integer"},
            "first_name": {"type": ["string", "null"]},
            "last_initial": {
                "type": ["string", "null"],
                "maxLength": 1,
                "description": "The surname's first letter, upper-case",
            },
            "contact_hashes": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "description": "HMAC-SHA256 (first 128 bits, hex) under the setting "
                "contact_hash_key of 'phone:' + normalised phone and 'email:' + "
                "normalised e-mail, for offline duplicate checks",
            },
            "profile_filled": {
                "type": "array",
                "items": {"enum": ["last_name", "phone", "email"]},
                "description": "Which contact fields central holds (names only), so the till asks only for the others",
            },
            "last_name": never,
            "phone": never,
            "email": never,
            "consent_granted": {"type": ["boolean", "null"]},
            "consent_version": {"type": ["string", "null"]},
            "erased": {"type": "boolean"},
            "lots": {
                "type": "array",
                "description": "Points by earning day net of refunds, oldest "
                "first, as [YYYY-MM-DD, points] pairs; lots spent long ago are folded into debits",
                "items": {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 2, "maxItems": 2},
            },
            "debits": {"type": "integer", "description": "Points spent or expired, taken from the oldest lots"},
        },
        ("customer_id", "points"),
    )
    card_state = _obj(
        {"card_uid": STR, "customer_id": STR, "blocked": {"type": "boolean"}}, ("card_uid", "customer_id")
    )
    reward_state = _obj(
        {
            "reward_id": STR,
            "kind": {"enum": ["in_house", "partner_voucher"]},
            "name": STR,
            "points_price": INT,
            "stock": {"type": ["integer", "null"]},
            "partner": {"type": ["string", "null"]},
            "face_value_cents": {"type": ["integer", "null"]},
            "active": {"type": "boolean"},
        },
        ("reward_id", "kind", "name", "points_price"),
    )
    cashier_state = _obj(
        {
            "cashier_id": STR,
            "name": STR,
            "role": {"enum": ["cashier", "manager", "technician"]},
            "pin_hash": STR,
            "language": STR,
            "active": {"type": "boolean"},
        },
        ("cashier_id", "name", "role", "pin_hash"),
    )
    setting = _obj({"key": STR, "value_json": STR}, ("key", "value_json"))
    pool_member = _obj(
        {"customer_id": STR, "pool_id": {"type": ["string", "null"]}, "share_pct": INT}, ("customer_id", "pool_id")
    )
    pool_balance = _obj(
        {
            "pool_id": STR,
            "points": {"type": "integer"},
            "members": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "The pool's current member count at central (absent from an earlier central)",
            },
        },
        ("pool_id", "points"),
    )
    looked_up = _obj(
        {
            "customer": customer_state,
            "cards": {"type": "array", "items": card_state},
            "pool_member": {"oneOf": [pool_member, {"type": "null"}]},
            "pool_balance": {"oneOf": [pool_balance, {"type": "null"}]},
        },
        ("customer", "cards", "pool_member", "pool_balance"),
    )
    masked = _obj(
        {
            "customer_id": STR,
            "first_name": {"type": ["string", "null"]},
            "last_initial": {"type": ["string", "null"]},
            "phone": {"type": ["string", "null"], "description": "Masked: '06 •• •• •• 78'"},
            "email": {"type": ["string", "null"], "description": "Masked: 'c•••@e•••.org'"},
            "card_suffix": {"type": ["string", "null"], "description": "Last 4 characters of a card"},
            "points": {"type": "integer"},
        },
        ("customer_id", "points"),
    )
    pulled = _obj(
        {
            "cursor": INT,
            "customers": {"type": "array", "items": customer_state},
            "rewards": {"type": "array", "items": reward_state},
            "cashiers": {"type": "array", "items": cashier_state},
            "settings": {"type": "array", "items": setting},
            "cards": {"type": "array", "items": card_state},
            "erased": {"type": "array", "items": STR},
            "device_seq_through": {"type": ["integer", "null"]},
            "more": {"type": "boolean"},
            "pool_members": {"type": "array", "items": pool_member},
            "pool_balances": {"type": "array", "items": pool_balance},
            "removed": {
                "type": "array",
                "items": STR,
                "description": "Customers that left this device's "
                "store scope: drop their row, cards and pool membership, keep pending events",
            },
        },
        ("cursor", "customers", "cards", "erased", "device_seq_through", "more"),
    )
    csv_text = {"content": {"text/csv": {"schema": {"type": "string"}}}}
    paths = {
        "/api/health": {
            "get": _op("Liveness and database reachability", _ok("Up", _obj({"status": STR})), auth=None, errors=())
        },
        "/api/openapi.json": {
            "get": _op("This document", _ok("OpenAPI document", {"type": "object"}), auth=None, errors=())
        },
        "/api/enrol": {
            "post": _op(
                "Trade a one-time enrolment code for the device's bearer token",
                _ok("Enrolled", _obj({"device_id": STR, "token": STR}, ("device_id", "token"))),
                body=_json(
                    _obj(
                        {
                            "device_id": DEVICE_ID,
                            "code": {"type": "string", "minLength": 1, "maxLength": 200},
                            "store_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                        },
                        ("device_id", "code"),
                    )
                ),
                auth=None,
                errors=(400, 403),
            )
        },
        "/api/sync/push": {
            "post": _op(
                "Push a batch of this device's events; central stores each once, by event_id",
                _ok(
                    "Every id of the batch is held by central; the device may drop exactly these",
                    _obj(
                        {
                            "acknowledged": {"type": "array", "items": STR},
                            "inserted": INT,
                            "flagged": {"type": "array", "items": STR},
                            "seq_through": INT,
                            "card_claims": {
                                "type": "array",
                                "items": STR,
                                "description": "Cards this batch linked "
                                "that central keeps with their existing customer, held for review",
                            },
                        },
                        ("acknowledged", "inserted", "flagged", "seq_through"),
                    ),
                ),
                body=_json(
                    _obj(
                        {
                            "events": {
                                "type": "array",
                                "maxItems": max_batch,
                                "items": event,
                                "description": "More events than maxItems: 413. One event a device may "
                                "not make, or beyond the rules' caps, refuses the batch "
                                "with 422 naming it in event_id.",
                            }
                        },
                        ("events",),
                    )
                ),
                errors=(400, 401, 413, 422),
            )
        },
        "/api/sync/device": {
            "get": _op(
                "What central holds of this device: its gap-free run of sequence numbers and the numbers missing",
                _ok(
                    "The device's sequence state",
                    _obj(
                        {
                            "device_id": STR,
                            "seq_through": INT,
                            "seq_max": INT,
                            "missing": INT,
                            "ranges": {"type": "array", "items": {"type": "array", "items": INT}},
                            "low_stocks": {
                                "type": "array",
                                "items": _obj(
                                    {
                                        "reward_id": STR,
                                        "name": STR,
                                        "kind": STR,
                                        "left": INT,
                                        "state": {"enum": ["low", "empty"]},
                                    }
                                ),
                            },
                        },
                        ("device_id", "seq_through", "seq_max", "missing", "ranges"),
                    ),
                ),
            )
        },
        "/api/sync/adoption": {
            "post": _op(
                "Send this till's adoption figures per cashier per day (running totals: a day sent again replaces it)",
                _ok("Stored", _obj({"stored": INT}, ("stored",))),
                body=_json(
                    _obj(
                        {
                            "days": {
                                "type": "array",
                                "maxItems": cashier_figures.MAX_ROWS,
                                "items": _obj(
                                    {
                                        "day": {"type": "string", "format": "date"},
                                        "cashier_id": ID,
                                        **{name: {"type": "integer", "minimum": 0} for name in ADOPTION_COUNTERS},
                                    },
                                    ("day", "cashier_id"),
                                ),
                            }
                        },
                        ("days",),
                    )
                ),
                errors=(400, 401, 413),
            )
        },
        "/api/sync/training": {
            "post": _op(
                "Send this till's training progress per cashier per drill "
                "(a row sent again replaces it; no customer data)",
                _ok("Stored", _obj({"stored": INT}, ("stored",))),
                body=_json(
                    _obj(
                        {
                            "progress": {
                                "type": "array",
                                "maxItems": training_progress.MAX_ROWS,
                                "items": _obj(
                                    {
                                        "cashier_id": {"type": "string", "minLength": 1, "maxLength": MAX_CASHIER_ID},
                                        "drill": {"type": "string", "enum": list(DRILLS)},
                                        "best_score": {"type": "integer", "minimum": 0, "maximum": MAX_SCORE},
                                        "best_seconds": {"type": "number", "minimum": 0, "maximum": MAX_SECONDS},
                                        "first_done_at": {"type": ["string", "null"], "format": "date-time"},
                                    },
                                    ("cashier_id", "drill", "best_score", "best_seconds"),
                                ),
                            }
                        },
                        ("progress",),
                    )
                ),
                errors=(400, 401, 413),
            )
        },
        "/api/sync/daily-summary": {
            "get": _op(
                "This device's store's day as 42-column plain text for its receipt printer",
                _ok("The summary", _obj({"store": STR, "day": STR, "text": STR}, ("store", "day", "text"))),
                params=[
                    {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["fr", "en"]}},
                ],
            )
        },
        "/api/sync/pull": {
            "get": _op(
                "A page of customers and cards changed since the cursor; resume from the returned cursor",
                _ok("One page; device_seq_through is set on the last page only", pulled),
                params=[
                    {"name": "cursor", "in": "query", "schema": INT},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": max_pull}},
                ],
            )
        },
        "/api/receipts": {
            "get": _op(
                "The earn of a receipt credited at any device of this device's store (refund at any till), or null",
                _ok("Earn", _obj({"earn": {"type": ["object", "null"]}})),
                params=[{"name": "ref", "in": "query", "required": True, "schema": STR}],
            )
        },
        "/api/customers/by-card/{card_uid}": {
            "get": _op(
                "The customer of a card of any store (either face), as a pull would send it; they join this device's "
                "store scope",
                _ok("The customer, their cards, pool membership and pool balance", looked_up),
                params=[_path_param("card_uid")],
                errors=(400, 401, 404, 410),
            )
        },
        "/api/customers/search": {
            "get": _op(
                "Customers of the whole chain by name, phone, e-mail or card number, masked, at most 10; nothing joins "
                "the scope",
                _ok("Masked results", _obj({"customers": {"type": "array", "items": masked}}, ("customers",))),
                params=[
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 2, "maxLength": 100},
                    }
                ],
            )
        },
        "/api/customers/{customer_id}": {
            "get": _op(
                "The customer a till chose from a search, as a pull would send it; they join this device's store scope",
                _ok("The customer, their cards, pool membership and pool balance", looked_up),
                params=[_path_param("customer_id")],
                errors=(400, 401, 404),
            )
        },
        "/api/vouchers/issue": {
            "post": _op(
                "Issue a partner voucher code for a redemption (online only; same redemption, same code)",
                _ok("Issued", _obj({"partner": STR, "code": STR, "face_value_cents": INT, "redemption_event_id": STR})),
                body=_json(
                    _obj(
                        {
                            "partner": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                            "customer_id": ID,
                            "redemption_event_id": {"type": "string", "minLength": 1, "maxLength": 36},
                        },
                        ("partner", "customer_id", "redemption_event_id"),
                    )
                ),
                errors=(400, 401, 409),
            )
        },
        "/api/admin/devices": {
            "get": _op(
                "List devices", _ok("Devices", _obj({"devices": {"type": "array"}})), auth="admin", errors=(401,)
            ),
            "post": _op(
                "Register a device (or re-enrol it) and get its one-time enrolment code",
                _ok("Code made (answered with 201)", _obj({"device_id": STR, "code": STR})),
                body=_json(_obj({"device_id": STR, "name": STR}, ("device_id",))),
                auth="admin",
            ),
        },
        "/api/admin/devices/{device_id}/revoke": {
            "post": _op(
                "Revoke a device's token; its next call is refused",
                _ok("Revoked"),
                auth="admin",
                params=[_path_param("device_id")],
                errors=(401, 404),
            )
        },
        "/api/admin/partners/{partner}/codes": {
            "post": _op(
                "Import voucher codes into a partner's pool (CSV: code,face_value_cents)",
                _ok("Imported", _obj({"partner": STR, "added": INT, "already_present": INT})),
                body=csv_text,
                auth="admin",
                params=[_path_param("partner")],
                errors=(400, 401, 413),
            )
        },
        "/api/admin/partners/{partner}/pool": {
            "get": _op(
                "Free and issued code counts",
                _ok("Counts", _obj({"partner": STR, "free": INT, "issued": INT})),
                auth="admin",
                params=[_path_param("partner")],
            )
        },
        "/api/admin/partners/{partner}/issued": {
            "get": _op(
                "Issued codes of a partner, for reconciliation (CSV)",
                {"description": "CSV", **csv_text},
                auth="admin",
                params=[_path_param("partner")],
                errors=(400, 401, 404),
            )
        },
        "/api/admin/customers/{customer_id}/export": {
            "get": _op(
                "Everything central holds about one customer (JSON)",
                _ok("Export", {"type": "object"}),
                auth="admin",
                params=[_path_param("customer_id")],
                errors=(401, 404),
            )
        },
        "/api/admin/customers/{customer_id}/erase": {
            "post": _op(
                "Erase a customer's personal data here and on every device at its next pull",
                _ok("Erased"),
                auth="admin",
                params=[_path_param("customer_id")],
                errors=(401, 404),
            )
        },
        "/api/admin/cards/{card_uid}/block": {
            "post": _op(
                "Put a card on the blocklist",
                _ok("Blocked"),
                body=_json(_obj({"reason": STR}, ("reason",))),
                auth="admin",
                params=[_path_param("card_uid")],
                errors=(400, 401, 404),
            )
        },
        "/api/admin/cards/{card_uid}/replace": {
            "post": _op(
                "Replace a lost card: block it and link a new card to the same customer (balance kept)",
                _ok("Replaced"),
                body=_json(_obj({"new_card_uid": STR}, ("new_card_uid",))),
                auth="admin",
                params=[_path_param("card_uid")],
                errors=(400, 401, 404, 409),
            )
        },
        "/api/admin/catalogue/{reward_id}": {
            "put": _op(
                "Create or change a catalogue entry (in-house product or partner voucher)",
                _ok("Saved"),
                body=_json(
                    _obj(
                        {
                            "kind": {"enum": ["in_house", "partner_voucher"]},
                            "name": STR,
                            "points_price": INT,
                            "stock": {"type": ["integer", "null"]},
                            "partner": STR,
                            "face_value_cents": INT,
                            "active": {"type": "boolean"},
                        },
                        ("kind", "name", "points_price"),
                    )
                ),
                auth="admin",
                params=[_path_param("reward_id")],
            )
        },
        "/api/admin/cashiers/{cashier_id}": {
            "put": _op(
                "Create or change a cashier; the PIN (4 to 8 digits) is hashed at once",
                _ok("Saved"),
                body=_json(
                    _obj(
                        {
                            "name": STR,
                            "role": {"enum": ["cashier", "manager", "technician"]},
                            "pin": {"type": "string", "pattern": "^[0-9]{4,8}$"},
                            "language": {"enum": ["fr", "en"]},
                            "active": {"type": "boolean"},
                        },
                        ("name", "role", "pin"),
                    )
                ),
                auth="admin",
                params=[_path_param("cashier_id")],
            )
        },
        "/api/admin/earning-rules": {
            "put": _op(
                "Set the chain's earning scale (the keys of the [earning] table of kiosk.toml; dates as YYYY-MM-DD)",
                _ok("Saved"),
                body=_json({"type": "object"}),
                auth="admin",
            )
        },
        "/api/phonecard/public-key": {
            "get": _op(
                "The Ed25519 public key devices use to verify phone card codes offline (base64url, 43 characters)",
                _ok("Key", _obj({"public_key": STR, "window_s": INT, "algorithm": STR})),
                auth=None,
                errors=(),
            )
        },
        "/api/phonecard/link": {
            "post": _op(
                "The address of a card's phone card page "
                "(the shopper opens it on the phone; codes change every minute)",
                _ok("Link", _obj({"card_uid": STR, "path": STR, "url": STR})),
                body=_json(_obj({"card_uid": ID}, ("card_uid",))),
                errors=(400, 401, 404),
            )
        },
        "/api/phonecard/accept": {
            "post": _op(
                "Accept a scanned phone card code once in the whole chain (devices ask when online; offline each "
                "device accepts a code once)",
                _ok("Accepted", _obj({"card_uid": STR, "accepted": {"type": "boolean"}}, ("card_uid", "accepted"))),
                body=_json(_obj({"code": {"type": "string", "minLength": 1, "maxLength": 400}}, ("code",))),
                errors=(400, 401, 409, 422),
            )
        },
        "/api/admin/cards/{card_uid}/new-link": {
            "post": _op(
                "Replace a card's phone card page link; older links stop opening the page",
                _ok("New link", _obj({"card_uid": STR, "path": STR}, ("card_uid", "path"))),
                auth="admin",
                params=[_path_param("card_uid")],
                errors=(401, 404),
            )
        },
        "/api/admin/card-batches": {
            "post": _op(
                "Make a batch of card numbers with activation codes for a sales channel",
                _ok(
                    "Made (answered with 201)",
                    _obj(
                        {"batch_id": STR, "channel": STR, "partner": STR, "size": INT, "created_at": STR, "note": STR}
                    ),
                ),
                body=_json(
                    _obj(
                        {
                            "channel": {"enum": ["company", "partner", "online"]},
                            "partner": STR,
                            "size": {"type": "integer", "minimum": 1, "maximum": 50000},
                            "note": STR,
                        },
                        ("channel", "size"),
                    )
                ),
                auth="admin",
            ),
            "get": _op(
                "List card batches", _ok("Batches", _obj({"batches": {"type": "array"}})), auth="admin", errors=(401,)
            ),
        },
        "/api/admin/card-batches/report": {
            "get": _op(
                "Cards made and activated (online, on first use) per sales channel and partner",
                _ok("Report", _obj({"channels": {"type": "array"}})),
                auth="admin",
                errors=(401,),
            )
        },
        "/api/admin/card-batches/{batch_id}/cards.csv": {
            "get": _op(
                "A batch for card production (CSV: card_number,activation_code,channel,partner,batch_id,chip_uid; "
                "chip_uid is empty until card production fills it in)",
                {"description": "CSV", **csv_text},
                auth="admin",
                params=[_path_param("batch_id")],
                errors=(401, 404),
            )
        },
        "/api/admin/card-batches/{batch_id}/chip-uids": {
            "post": _op(
                "Import card production's mapping card number -> chip UID (CSV body with columns card_number and "
                "chip_uid, e.g. the exported file filled in); all rows or none; a tap of the chip then counts as "
                "first use of the batch card",
                _ok("Imported", _obj({"batch_id": STR, "imported": {"type": "integer"}}, ("batch_id", "imported"))),
                body={"content": {"text/csv": {"schema": {"type": "string"}}}},
                auth="admin",
                params=[_path_param("batch_id")],
                errors=(400, 401, 404, 409, 413),
            )
        },
        "/api/admin/card-batches/cards/{card_uid}": {
            "get": _op(
                "The sales channel and activation of one card",
                _ok("Origin", {"type": "object"}),
                auth="admin",
                params=[_path_param("card_uid")],
                errors=(401, 404),
            )
        },
        "/api/admin/card-batches/cards/{card_uid}/unlock": {
            "post": _op(
                "Let a card locked by wrong activation codes be activated online again",
                _ok("Unlocked", _obj({"card_number": STR, "unlocked": {"type": "boolean"}})),
                auth="admin",
                params=[_path_param("card_uid")],
                errors=(400, 401, 404),
            )
        },
        "/api/cards/activate": {
            "post": _op(
                "Activate a card online with the code printed on it (five wrong codes lock online activation): the "
                "card is linked to a new customer (first name, consent), or stays with the customer a till linked",
                _ok(
                    "Activated",
                    _obj(
                        {
                            "card_number": STR,
                            "activated": {"type": "boolean"},
                            "channel": STR,
                            "customer_id": STR,
                            "created": {"type": "boolean"},
                        }
                    ),
                ),
                body=_json(
                    _obj(
                        {"card_number": STR, "activation_code": STR, "first_name": STR, "consent": {"type": "boolean"}},
                        ("card_number", "activation_code", "first_name", "consent"),
                    )
                ),
                auth=None,
                errors=(400, 404, 409, 422),
            )
        },
        "/api/admin/pools": {
            "get": _op(
                "Every pool with its points and current member count",
                _ok("Pools", _obj({"pools": {"type": "array"}})),
                auth="admin",
                errors=(401,),
            )
        },
        "/api/admin/pools/{pool_id}/close": {
            "post": _op(
                "Every member leaves the pool; its balance and history stay",
                _ok("Closed", _obj({"pool_id": STR, "members_left": INT})),
                auth="admin",
                params=[_path_param("pool_id")],
                errors=(400, 401, 404),
            )
        },
        "/api/admin/pools/{pool_id}/members/{customer_id}/move": {
            "post": _op(
                "Move a member of another pool into this one at share_pct (the only way to change a member's pool)",
                _ok("Moved", _obj({"pool_id": STR, "customer_id": STR, "share_pct": INT, "left_pool": STR})),
                body=_json(_obj({"share_pct": {"type": "integer", "minimum": 1, "maximum": 100}}, ("share_pct",))),
                auth="admin",
                params=[_path_param("pool_id"), _path_param("customer_id")],
                errors=(400, 401, 404, 422),
            )
        },
        "/api/admin/pools/{pool_id}": {
            "get": _op(
                "A pool's points, members and latest events",
                _ok(
                    "Pool",
                    _obj(
                        {
                            "pool_id": STR,
                            "points": {"type": "integer"},
                            "members": {"type": "array"},
                            "history": {"type": "array"},
                        }
                    ),
                ),
                auth="admin",
                params=[_path_param("pool_id")],
                errors=(400, 401, 404),
            )
        },
        "/api/admin/pools/{pool_id}/members/{customer_id}": {
            "put": _op(
                "Make a customer a member giving share_pct percent of each earn, or change the share "
                "(a member of another pool is refused: move them)",
                _ok("Member"),
                body=_json(_obj({"share_pct": {"type": "integer", "minimum": 1, "maximum": 100}}, ("share_pct",))),
                auth="admin",
                params=[_path_param("pool_id"), _path_param("customer_id")],
                errors=(400, 401, 404, 422),
            ),
            "delete": _op(
                "End a membership; past contributions stay in the pool",
                _ok("Left"),
                auth="admin",
                params=[_path_param("pool_id"), _path_param("customer_id")],
                errors=(400, 401, 404, 422),
            ),
        },
        "/api/pools/of/{customer_id}": {
            "get": _op(
                "The pool a customer gives to now and its points (for the member's screen); pool is null if none",
                _ok("Pool or null", _obj({"customer_id": STR, "pool": {"type": ["object", "null"]}})),
                params=[_path_param("customer_id")],
            )
        },
        "/api/customers/{customer_id}/operations": {
            "get": _op(
                "A customer's latest earns, redemptions, refunds and partner voucher codes from every device, newest "
                "first (ids, kinds, times, points and codes only); query `limit` from 1 to 50, 10 by default",
                _ok(
                    "Recent operations",
                    _obj(
                        {
                            "customer_id": STR,
                            "operations": {
                                "type": "array",
                                "items": _obj(
                                    {
                                        "event_id": STR,
                                        "kind": {"enum": ["earned", "redeemed", "reversed", "voucher"]},
                                        "at": STR,
                                        "points": {"type": "integer"},
                                        "code": {"type": ["string", "null"]},
                                    },
                                    ("event_id", "kind", "at", "points"),
                                ),
                            },
                        },
                        ("customer_id", "operations"),
                    ),
                ),
                params=[
                    _path_param("customer_id"),
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                    },
                ],
                errors=(400, 401, 404, 422),
            )
        },
        "/api/catalogue": {
            "get": _op(
                "Every reward with its active flag (kiosks refresh their list from it)",
                _ok("Catalogue", _obj({"rewards": {"type": "array", "items": reward_state}}, ("rewards",))),
            )
        },
        "/api/admin/review": {
            "get": _op(
                "Redemptions that overdrew a balance once all tills were merged",
                _ok("Flagged redemptions", _obj({"flagged": {"type": "array"}})),
                auth="admin",
                errors=(401,),
            )
        },
    }
    from central import orders_openapi  # imports this module's helpers

    paths.update(orders_openapi.paths(MAX_RECEIPT_CENTS))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loyalty kiosk central API",
            "version": "1",
            "description": f"Request bodies are limited to {max_body} bytes; refused requests get a 4xx "
            "with a JSON body {error, message} and change nothing.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "device": {"type": "http", "scheme": "bearer"},
                "admin": {"type": "http", "scheme": "bearer"},
                "channel": orders_openapi.SECURITY_SCHEME,
            },
            "responses": {
                "Error": {"description": "Refused", **_json(_obj({"error": STR, "message": STR}, ("error", "message")))}
            },
        },
    }
