"""The one progress throttle every step reports through, on a fake clock (no waiting, no wall clock)."""

from pipeline.progress import ProgressThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(**kwargs):
    written, clock = [], Clock()
    return ProgressThrottle(written.append, clock=clock, **kwargs), written, clock


def test_the_first_report_passes_then_only_whole_percent_steps():
    report, written, _ = throttle()

    for percent in (0.0, 0.3, 0.9, 1.0, 1.5, 2.2, 2.9, 3.4):
        report(percent)

    assert written == [0.0, 1.0, 2.2, 3.4]


def test_a_slow_step_still_reports_once_its_interval_passed():
    report, written, clock = throttle(every_seconds=2.0)
    report(10.0)
    clock.now += 1.9
    report(10.1)
    clock.now += 0.1
    report(10.2)

    assert written == [10.0, 10.2]


def test_reaching_100_always_passes_once():
    report, written, _ = throttle()
    report(99.6)
    report(100.0)
    report(100.0)

    assert written == [99.6, 100.0]


def test_a_coarser_throttle_drops_more():
    report, written, _ = throttle(every_percent=5.0)

    for percent in range(0, 21):
        report(float(percent))

    assert written == [0.0, 5.0, 10.0, 15.0, 20.0]
