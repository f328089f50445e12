"""A dataset folder with an ``mcq`` column, written as the bundle writes one (Parquet shards, embedded FLAC).

The export and the evaluation tests share it. Rows and audio come from musicqa.train.tiny (real clips, real
MusicCaps captions); the items are built from each row's own aspect list, with distractors from other rows'
aspects, and their kinds listed in a different order per item so the column mapping is exercised.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ("incorrect_but_related", "correct_but_unrelated", "incorrect_and_unrelated")


def mcq_type():
    import pyarrow as pa

    return pa.list_(pa.struct([("question", pa.string()), ("correct_answer", pa.string()),
                               ("distractors", pa.list_(pa.string())), ("distractor_kinds", pa.list_(pa.string()))]))


def items_for(aspects: list[str], others: list[str], n: int) -> list[dict]:
    """``n`` items: the row's own aspect i is correct; three other rows' aspects are the distractors."""
    out = []
    for i in range(n):
        kinds = [KINDS[(i + k) % 3] for k in range(3)]  # a rotation per item: kind order != column order
        out.append({"question": f"Which of these can you hear in the recording? ({i + 1})",
                    "correct_answer": aspects[i % len(aspects)],
                    "distractors": [others[(3 * i + k) % len(others)] for k in range(3)],
                    "distractor_kinds": kinds})
    return out


def add_mcq_column(folder: Path, per_clip: int = 2, empty_rows: int = 0) -> None:
    """Append an ``mcq`` column to every shard of ``folder``; the first ``empty_rows`` rows get no items."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shards = sorted(folder.glob("data/*/*.parquet"))
    rows = [(s, r) for s in shards for r in pq.read_table(s, columns=["clip_id", "aspect_list"]).to_pylist()]
    seen = 0
    for shard in shards:
        table = pq.read_table(shard)
        column = []
        for row in table.select(["clip_id", "aspect_list"]).to_pylist():
            others = [a for s, r in rows if r["clip_id"] != row["clip_id"] for a in r["aspect_list"]
                      if a not in row["aspect_list"]]
            column.append([] if seen < empty_rows else items_for(row["aspect_list"], others, per_clip))
            seen += 1
        pq.write_table(table.append_column("mcq", pa.array(column, type=mcq_type())), shard)


def make_mcq_dataset(out: Path, n_train: int = 2, n_test: int = 1, per_clip: int = 2) -> Path:
    from musicqa.train.tiny import make_tiny_dataset

    make_tiny_dataset(out, REPO / "sample_data", n_train=n_train, n_test=n_test)
    add_mcq_column(out, per_clip)
    return out
