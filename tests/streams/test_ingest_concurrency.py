"""Two ingests into one stream at the same time, in real threads against the real PostgreSQL: both land."""

import os
import threading

import pytest
from django.db import connection

from streams.models import Stream
from streams.services import stream_ingest

pytestmark = pytest.mark.django_db(transaction=True)


def _ingest_in_threads(owner, batches: list[list], title: str) -> list:
    """Start every ingest at once (a barrier), each in its own thread with its own connection."""
    barrier = threading.Barrier(len(batches))
    outcomes: list = [None] * len(batches)

    def work(index: int, paths: list) -> None:
        try:
            barrier.wait()
            outcomes[index] = stream_ingest(owner=owner, paths=paths, title=title, process=False)
        except Exception as error:  # noqa: BLE001  (the assertion below shows it)
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, paths)) for i, paths in enumerate(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("existing", [True, False], ids=["existing-stream", "new-stream"])
def test_concurrent_ingests_into_one_stream_both_land_in_order(user, make_video, tmp_path, existing):
    sources = {
        f"2024-05-0{day} {hour}-00-00.mp4": make_video(f"c{day}{hour}.mp4", seconds=1 + (day + hour) % 3)
        for day in (1, 2)
        for hour in (10, 11, 12)
    }
    for name, source in sources.items():
        os.link(source, tmp_path / name)
    names = sorted(sources)
    batches = [[tmp_path / name for name in names[0::2]], [tmp_path / name for name in names[1::2]]]

    for attempt in range(4):
        title = f"Race {existing} {attempt}"
        if existing:
            Stream.objects.create(owner=user, title=title)

        outcomes = _ingest_in_threads(user, batches, title)

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        stream = Stream.objects.get(owner=user, title=title)
        clips = list(stream.clips.order_by("order"))
        assert [clip.original_name for clip in clips] == names
        assert [clip.order for clip in clips] == list(range(len(names)))
        starts = [0.0]
        for clip in clips[:-1]:
            starts.append(starts[-1] + clip.duration)
        assert [clip.start_time for clip in clips] == pytest.approx(starts, abs=0.01)
        assert stream.duration == pytest.approx(sum(clip.duration for clip in clips), abs=0.01)
        assert len({clip.file.name for clip in clips}) == len(names)
