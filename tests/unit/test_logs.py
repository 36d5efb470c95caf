"""What reaches the log: the members' phone numbers only by their last 4 digits."""

from hypothesis import given
from hypothesis import strategies as st

from entrypoints.logs import mask_phones

phones = st.text(alphabet="0123456789", min_size=10, max_size=15).map(lambda digits: "55" + digits[2:])


@given(phone=phones, before=st.sampled_from(["", "to ", "jid=", "+"]), after=st.sampled_from(["", "@s.whatsapp.net", " failed", "@lid"]))
def test_a_phone_anywhere_keeps_only_its_last_4_digits(phone, before, after):
    event = {"event": "outbox.failed", "reason": f"{before}{phone}{after}", "nested": {"to": [phone]}}

    masked = mask_phones(None, "warning", event)

    assert phone not in str(masked)
    assert masked["reason"].endswith(f"***{phone[-4:]}{after}") and masked["nested"] == {"to": [f"***{phone[-4:]}"]}


def test_what_is_no_phone_is_left_alone():
    event = {
        "event": "turn.done",
        "route": "faq",
        "handled": 3,
        "latency_ms": 1234567890123,
        "at": "2026-12-02T08:30:00Z",
        "code": "123456789",
    }
    assert mask_phones(None, "info", event) == event
