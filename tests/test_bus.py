"""The event bus: every subscriber gets every message in order, and a slow one never blocks a publisher."""

import threading

from device.bus import EventBus


def test_each_subscriber_gets_messages_in_order():
    bus = EventBus()
    with bus.subscribe() as first, bus.subscribe() as second:
        for n in range(5):
            bus.publish("tap", {"n": n})
        for sub in (first, second):
            assert [sub.get(0.1).data["n"] for _ in range(5)] == [0, 1, 2, 3, 4]
        assert first.get(0.01) is None
    assert bus.subscriber_count == 0


def test_a_full_subscriber_loses_the_oldest_message_not_the_publisher():
    bus = EventBus()
    with bus.subscribe(maxsize=3) as slow:
        done = threading.Event()
        threading.Thread(target=lambda: ([bus.publish("x", {"n": n}) for n in range(100)], done.set())).start()
        assert done.wait(2)
        assert [slow.get(0.1).data["n"] for _ in range(3)] == [97, 98, 99]
        assert slow.dropped == 97


def test_message_ids_increase():
    bus = EventBus()
    assert [bus.publish("a").id for _ in range(3)] == [1, 2, 3]
