"""The check-character functions take exactly the 17-character body (GB 11643, GB 32100): anything else is a bug."""
from __future__ import annotations

import pytest

from app.validation.creditcode import check_char
from app.validation.idcard import check_digit


@pytest.mark.parametrize("body", ["1" * 16, "1" * 18, ""])
def test_a_body_of_the_wrong_length_is_refused_not_truncated(body: str) -> None:
    with pytest.raises(ValueError):
        check_digit(body)
    with pytest.raises(ValueError):
        check_char(body)


def test_published_examples() -> None:
    """GB 11643's sample 11010519491231002X and a real code, 91350100M000100Y43 (GB 32100 sample)."""
    assert check_digit("11010519491231002") == "X"
    assert check_char("91350100M000100Y4") == "3"
