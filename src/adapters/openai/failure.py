from collections.abc import Iterator
from contextlib import contextmanager

import openai


class ModelFailure(Exception):
    """The model gave no usable reply: the reason is short and fit for a log field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@contextmanager
def failures_as_model_failure() -> Iterator[None]:
    """The client's errors of a call, as `ModelFailure` with a short reason."""
    try:
        yield
    except openai.APITimeoutError:
        raise ModelFailure("timeout") from None
    except openai.APIStatusError as error:
        raise ModelFailure(f"status {error.status_code}") from None
    except openai.APIConnectionError:
        raise ModelFailure("connection") from None
    except (openai.APIResponseValidationError, ValueError):
        # openai 1.109 lets the JSON decoder's error through when a 200's body is not JSON.
        raise ModelFailure("invalid response body") from None
