"""Property tests of the callback parser over generated callbacks in every shape Daraja sends.

The shapes come from docs/daraja-reference (§4, §5): numbers as JSON numbers, floats or strings (padded
or not), ``ResultCode`` as ``0`` / ``"0"`` / ``0.0`` or a code such as ``SFC_IC0003``, metadata items in any
order, a ``Balance`` item without ``Value``, unknown items and extra keys, a single item not wrapped in a
list, ``CallbackMetadata`` missing (failures), and any item missing. Each property says what the parser
owes for *every* such payload, not for a handful of samples:

- it raises nothing but ``MalformedCallback``, whatever the body;
- amount, receipt, date and phone come out exactly when they are present, in any shape, and as ``None``
  when they are not (a success without amount or receipt is malformed);
- numerically equal shapes give equal results;
- every result code reaches the contract's ``last_payment_error.code``, unknown ones ``provider_declined``.

The tests leave ``max_examples`` to the profile: ``pytest tests/unit/daraja --hypothesis-profile=thorough``
runs ten times as many (docs/testing.md).
"""

from __future__ import annotations

import calendar
import contextlib
import string
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micropay.adapters.daraja import DarajaCallbackParser
from micropay.domain.model import result_codes
from micropay.domain.model.provider import PaymentResult
from micropay.ports.callback_parser import MalformedCallback

parse = DarajaCallbackParser().parse

#: The result-code table of docs/daraja-reference §5 and the contract's map (api-contract §4): the oracle,
#: written out here rather than read from the code under test.
DOCUMENTED: dict[str, str] = {
    "1": "insufficient_funds",
    "2": "amount_limit_exceeded",
    "3": "amount_limit_exceeded",
    "4": "amount_limit_exceeded",
    "8": "amount_limit_exceeded",
    "17": "duplicate_request_rule",
    "1019": "expired",
    "1025": "prompt_failed",
    "9999": "prompt_failed",
    "1031": "canceled_by_customer",
    "1032": "canceled_by_customer",
    "1037": "customer_unreachable",
    "2001": "wrong_pin",
    "2028": "merchant_misconfigured",
    "SFC_IC0003": "merchant_misconfigured",
    "8006": "account_locked",
}


# --- the model of one callback, and the shapes it can be sent in --------------------------------------------


@dataclass(frozen=True)
class Callback:
    """What a callback means; ``render`` turns it into one of the JSON shapes Daraja uses."""

    code: int | str  # an int, or a non-numeric code such as SFC_IC0003
    checkout: str
    merchant: str | None
    desc: str | None
    amount_cents: int | None
    receipt: str | None
    date: tuple[int, int, int, int, int, int] | None  # Nairobi local time
    phone: str | None
    balance: str  # "none" (no item), "no_value" ({"Name": "Balance"}), "value"

    @property
    def normalised_code(self) -> str:
        return str(self.code)

    @property
    def unix_date(self) -> int | None:
        if self.date is None:
            return None
        return calendar.timegm((*self.date, 0, 0, 0)) - 3 * 3600


def _shillings_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def amount_shapes(cents: int) -> st.SearchStrategy[Any]:
    exact = Decimal(cents) / 100
    forms: list[Any] = [_shillings_text(cents), f" {_shillings_text(cents)} ", str(exact)]
    if cents % 100 == 0:
        forms += [cents // 100, str(cents // 100), float(cents // 100), f"{cents // 100}.0"]
    if cents < 2**53:  # a float holds it exactly and its repr round-trips the same digits
        forms.append(float(exact))
    return st.sampled_from(forms)


def number_shapes(digits: str) -> st.SearchStrategy[Any]:
    """A digit string (date, phone) as Daraja may send it: JSON number, float, string, padded string."""
    forms: list[Any] = [int(digits), digits, f" {digits} ", float(int(digits))]
    return st.sampled_from(forms)


def code_shapes(code: int | str) -> st.SearchStrategy[Any]:
    if isinstance(code, str):
        return st.sampled_from([code, f" {code} "])
    return st.sampled_from([code, str(code), float(code), f" {code} ", f"0{code}" if code >= 0 else str(code)])


codes = st.one_of(
    st.sampled_from([0, 1, 2, 17, 1019, 1025, 1031, 1032, 1037, 2001, 2028, 4999, 8006, 9999]),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["SFC_IC0003", "E3008"]),
)
receipts = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=10, max_size=10)
dates = st.tuples(
    st.integers(2000, 2099),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
)
phones = st.from_regex(r"254[17][0-9]{8}", fullmatch=True)
texts = st.text(alphabet=string.ascii_letters + string.digits + " _-.", min_size=1, max_size=40)


@st.composite
def callbacks(draw: st.DrawFn, code_strategy: st.SearchStrategy[int | str] = codes) -> Callback:
    code = draw(code_strategy)
    success = code == 0
    present = st.booleans() if not success else st.just(True)
    return Callback(
        code=code,
        checkout="ws_CO_" + draw(st.text(alphabet=string.digits, min_size=1, max_size=24)),
        merchant=draw(st.none() | texts),
        desc=draw(st.none() | texts),
        amount_cents=draw(st.integers(0, 25_000_000)) if draw(present) else None,
        receipt=draw(receipts) if draw(present) else None,
        date=draw(dates) if draw(st.booleans()) else None,
        phone=draw(phones) if draw(st.booleans()) else None,
        balance=draw(st.sampled_from(["none", "no_value", "value"])),
    )


@st.composite
def rendered(draw: st.DrawFn, callback: Callback) -> dict[str, Any]:
    """One JSON shape of ``callback``: types, order, extra keys and items chosen by Hypothesis."""
    items: list[dict[str, Any]] = []
    if callback.amount_cents is not None:
        items.append({"Name": "Amount", "Value": draw(amount_shapes(callback.amount_cents))})
    if callback.receipt is not None:
        items.append({"Name": "MpesaReceiptNumber", "Value": callback.receipt})
    if callback.date is not None:
        items.append(
            {"Name": "TransactionDate", "Value": draw(number_shapes("".join(f"{part:02d}" for part in callback.date)))}
        )
    if callback.phone is not None:
        items.append({"Name": "PhoneNumber", "Value": draw(number_shapes(callback.phone))})
    if callback.balance == "no_value":
        items.append({"Name": "Balance"})
    elif callback.balance == "value":
        items.append({"Name": "Balance", "Value": draw(st.sampled_from([0, "0.00", "{Amount={BasicAmount=1.00}}"]))})
    for name in draw(st.lists(st.sampled_from(["AccountReference", "Unknown", "B2CUtilityAccount"]), max_size=2)):
        items.append({"Name": name, "Value": draw(st.none() | texts | st.integers())})
    if draw(st.booleans()):  # an extra key on an item is ignored
        for item in items:
            item["Extra"] = "x"
    items = draw(st.permutations(items))
    callback_body: dict[str, Any] = {
        "CheckoutRequestID": callback.checkout,
        "ResultCode": draw(code_shapes(callback.code)),
    }
    if callback.merchant is not None:
        callback_body["MerchantRequestID"] = callback.merchant
    if callback.desc is not None:
        callback_body["ResultDesc"] = callback.desc
    if items:
        wrapped: Any = items[0] if len(items) == 1 and draw(st.booleans()) else items
        callback_body["CallbackMetadata"] = {"Item": wrapped}
    elif draw(st.booleans()):
        callback_body["CallbackMetadata"] = draw(st.sampled_from([{}, {"Item": []}, {"Item": None}]))
    if draw(st.booleans()):
        callback_body["Unexpected"] = {"nested": [1, 2]}
    return {"Body": {"stkCallback": dict(draw(st.permutations(list(callback_body.items()))))}}


def expected(callback: Callback) -> PaymentResult:
    return PaymentResult(
        result_code=callback.normalised_code,
        result_desc=callback.desc or "",
        checkout_request_id=callback.checkout,
        merchant_request_id=callback.merchant,
        amount=callback.amount_cents,
        receipt_number=callback.receipt,
        transaction_date=callback.unix_date,
        phone_number=callback.phone,
    )


# --- properties ----------------------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.data())
def test_every_shape_of_a_callback_reads_exactly_what_it_carries(data: st.DataObject) -> None:
    callback = data.draw(callbacks())
    body = data.draw(rendered(callback))

    assert parse(body) == expected(callback)


@settings(deadline=None)
@given(st.data())
def test_numerically_equal_shapes_give_equal_results(data: st.DataObject) -> None:
    callback = data.draw(callbacks())
    first, second = data.draw(rendered(callback)), data.draw(rendered(callback))

    assert parse(first) == parse(second)


@settings(deadline=None)
@given(st.data())
def test_a_success_without_amount_or_receipt_is_malformed(data: st.DataObject) -> None:
    callback = data.draw(callbacks(st.just(0)))
    missing = data.draw(st.sampled_from(["Amount", "MpesaReceiptNumber", "both", "metadata"]))
    body = data.draw(rendered(callback))
    stk = body["Body"]["stkCallback"]
    if missing == "metadata":
        del stk["CallbackMetadata"]
    else:
        items = stk["CallbackMetadata"]["Item"]
        items = [items] if isinstance(items, dict) else items
        gone = {"Amount", "MpesaReceiptNumber"} if missing == "both" else {missing}
        stk["CallbackMetadata"]["Item"] = [i for i in items if i["Name"] not in gone]
    raised = None
    try:
        parse(body)
    except MalformedCallback as exc:
        raised = exc
    assert raised is not None


@settings(deadline=None)
@given(st.data())
def test_items_without_value_read_as_absent(data: st.DataObject) -> None:
    """``{"Name": "Amount"}`` (no ``Value``, as ``Balance`` arrives) is the same as no Amount item."""
    callback = data.draw(callbacks().filter(lambda c: c.code != 0))
    body = data.draw(rendered(callback))
    stk = body["Body"]["stkCallback"]
    names = data.draw(st.sets(st.sampled_from(["Amount", "TransactionDate", "PhoneNumber", "MpesaReceiptNumber"])))
    items = stk.get("CallbackMetadata", {}).get("Item") or []
    items = [items] if isinstance(items, dict) else list(items)
    kept = [i for i in items if i["Name"] not in names]
    stk["CallbackMetadata"] = {"Item": kept + [{"Name": name} for name in sorted(names)]}

    result = parse(body)

    assert result.amount == (None if "Amount" in names else callback.amount_cents)
    assert result.receipt_number == (None if "MpesaReceiptNumber" in names else callback.receipt)
    assert result.transaction_date == (None if "TransactionDate" in names else callback.unix_date)
    assert result.phone_number == (None if "PhoneNumber" in names else callback.phone)


@settings(deadline=None)
@given(st.data())
def test_every_result_code_reaches_the_documented_error_code(data: st.DataObject) -> None:
    callback = data.draw(callbacks().filter(lambda c: c.code != 0))
    result = parse(data.draw(rendered(callback)))

    error_code = result_codes.error_code_for(result.result_code)

    assert error_code == DOCUMENTED.get(callback.normalised_code, "provider_declined")
    assert result_codes.message_for(error_code)
    assert not result_codes.is_success(result.result_code)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(deadline=None)
@given(json_values)
def test_any_json_body_is_read_or_refused_as_malformed(body: Any) -> None:
    with contextlib.suppress(MalformedCallback):
        parse(body)


@st.composite
def damaged(draw: st.DrawFn) -> dict[str, Any]:
    """A real shape with one part replaced by any JSON value, removed, or renamed."""
    body = draw(rendered(draw(callbacks())))
    stk = body["Body"]["stkCallback"]
    targets: list[tuple[dict[str, Any], str]] = [(body, "Body"), (body["Body"], "stkCallback")]
    targets += [(stk, key) for key in stk]
    metadata = stk.get("CallbackMetadata")
    if isinstance(metadata, dict):
        items = metadata.get("Item")
        for item in [items] if isinstance(items, dict) else items or []:
            targets += [(item, "Name"), (item, "Value")]
    container, key = draw(st.sampled_from(targets))
    action = draw(st.sampled_from(["replace", "remove", "rename"]))
    if action == "replace" or key not in container:
        container[key] = draw(json_values)
    elif action == "remove":
        del container[key]
    else:
        container[key.lower()] = container.pop(key)
    return body


@settings(deadline=None)
@given(damaged())
def test_a_damaged_callback_is_read_or_refused_as_malformed(body: dict[str, Any]) -> None:
    try:
        result = parse(body)
    except MalformedCallback:
        return
    assert isinstance(result, PaymentResult)
    if result_codes.is_success(result.result_code):
        assert result.amount is not None
        assert result.receipt_number
    assert result.amount is None or (isinstance(result.amount, int) and result.amount >= 0)


@settings(deadline=None)
@given(st.decimals(min_value=0, max_value=10**14, places=2, allow_nan=False, allow_infinity=False))
def test_any_amount_with_cents_is_exact_in_minor_units(shillings: Decimal) -> None:
    assume(shillings.is_finite())
    body = {
        "Body": {
            "stkCallback": {
                "CheckoutRequestID": "ws_CO_1",
                "ResultCode": 0,
                "CallbackMetadata": {
                    "Item": [{"Name": "Amount", "Value": str(shillings)}, {"Name": "MpesaReceiptNumber", "Value": "A1"}]
                },
            }
        }
    }

    assert parse(body).amount == int(shillings * 100)


@settings(deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False).filter(
        lambda d: d * 100 != (d * 100).to_integral_value()
    )
)
def test_fractions_of_a_cent_are_refused(shillings: Decimal) -> None:
    body = {
        "Body": {
            "stkCallback": {
                "CheckoutRequestID": "ws_CO_1",
                "ResultCode": 1032,
                "CallbackMetadata": {"Item": [{"Name": "Amount", "Value": str(shillings)}]},
            }
        }
    }
    raised = None
    try:
        parse(body)
    except MalformedCallback as exc:
        raised = exc
    assert raised is not None
