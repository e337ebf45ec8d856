#!/usr/bin/env python3
"""Simulated annotators for demos: label every task of a project through the API.

    python scripts/simulate_annotators.py --project "Western troops for Ukraine" \
        [--annotators 3] [--seed 1] [--skip-rate 0.05]

Each simulated annotator is an organization member; its labels follow a hidden "true"
stance per item (derived from the quote id) with some noise, so the agreement figures of
the pulled dataset are realistic. Uses --url/--api-key, the environment, or the local
server. For demonstrations and screenshots only: never mix simulated votes with real ones.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labeling.schema import load_schema  # noqa: E402
from labeling.studio.client import connect  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", required=True)
    ap.add_argument("--config", default="configs/stance.yaml")
    ap.add_argument("--annotators", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--accuracy", type=float, default=0.8)
    ap.add_argument("--skip-rate", type=float, default=0.05)
    ap.add_argument("--url")
    ap.add_argument("--api-key")
    a = ap.parse_args()
    schema = load_schema(a.config)
    labels = schema.label_names
    rng = random.Random(a.seed)
    with connect(a.url, a.api_key, None) as studio:
        pid = int(studio.project(a.project)["id"])
        users = []
        for i in range(a.annotators):
            email = f"simulated{i + 1}@stance-labeling.local"
            users.append(studio.find_user(email) or studio.create_user(email))
        n = 0
        for task in studio.iter_tasks(pid, include="id,data"):
            qid = str(task["data"]["quote_id"])
            for user in users:
                if rng.random() < a.skip_rate:
                    studio.create_annotation(task["id"], result=[], was_cancelled=True,
                                             completed_by=user["id"], lead_time=rng.uniform(2, 8))
                    continue
                result = []
                for t in schema.targets:
                    h = int(hashlib.sha256(f"{qid}|{t.id}".encode()).hexdigest(), 16)
                    truth = labels[h % len(labels)]
                    lab = truth if rng.random() < a.accuracy else rng.choice(labels)
                    result.append({"from_name": f"stance_{t.id}", "to_name": "context",
                                   "type": "choices", "value": {"choices": [lab]}})
                studio.create_annotation(task["id"], result=result, completed_by=user["id"],
                                         lead_time=rng.lognormvariate(2.5, 0.5))
                n += 1
    print(f"{n} simulated annotations by {len(users)} annotators in {a.project!r}")


if __name__ == "__main__":
    main()
