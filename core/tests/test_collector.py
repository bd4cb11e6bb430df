import gc

from core import collector


def test_paused_holds_the_collector_off_and_gives_it_back():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # a pause inside a pause
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer one is still in charge
    assert gc.isenabled()


def test_paused_gives_it_back_when_the_read_fails():
    try:
        with collector.paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
