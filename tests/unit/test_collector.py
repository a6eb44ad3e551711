"""The collector pause of bulk reads gives the collector back as it found it."""

import gc
from collections.abc import Iterator

import pytest

from dutydesk import collector


@pytest.fixture
def collecting() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_the_collector_is_off_inside_and_back_after_even_on_an_error(collecting: None) -> None:
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_already_off_stays_off(collecting: None) -> None:
    gc.disable()
    with collector.paused(), collector.paused():  # start-up's pause, or another read's
        pass
    assert not gc.isenabled()
