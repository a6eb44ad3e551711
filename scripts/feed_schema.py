"""Write docs/feed.schema.json from the feed's pydantic model (dutydesk.queue.feed_model).

Run after changing the model; tests/unit/test_queue_fuzz.py fails while the committed
schema differs from the generated one.
"""

from pathlib import Path

from dutydesk.queue.feed_model import feed_schema_text

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "feed.schema.json"


def main() -> None:
    SCHEMA_PATH.write_text(feed_schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
