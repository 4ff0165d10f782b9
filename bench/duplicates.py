"""How good are the intake suggestions? Precision and recall of complaints/petitions/duplicates.py
on labelled synthetic petitions (bench/duplicate_data.py).

    .venv/bin/python -m bench.duplicates [--size 1000] [--seed 2026] [--examples 5]

Every petition is compared, as at intake, with the earlier petitions of the same kind received
within the look-back period (duplicates.LOOKBACK_DAYS); a pair counts as predicted duplicate
when the scorer returns a match (what the handler is shown). A pair is truly a duplicate when
both petitions come from the same matter. Prints precision, recall, F1 and the confusion
counts, the errors by the kind of variation or hard negative behind them, and writes
bench/results/duplicates.json. Needs no database: the scorer runs on unsaved Petition objects.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from bench.duplicate_data import Sample, generate
from complaints.petitions import duplicates
from complaints.petitions.models import Petition, PetitionSender

RESULTS = Path(__file__).resolve().parent / "results"
PRECISION_TARGET = 0.95


@dataclass
class Score:
    size: int
    seed: int
    matters: int
    pairs_compared: int
    true_pairs: int
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    seconds: float = 0.0
    hard_negative_pairs: dict = field(default_factory=dict)
    false_positives_by_group: dict = field(default_factory=dict)
    false_negatives_by_tag: dict = field(default_factory=dict)
    examples: dict = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(
            precision=round(self.precision, 4),
            recall=round(self.recall, 4),
            f1=round(self.f1, 4),
            precision_target=PRECISION_TARGET,
        )
        return data


def petition_of(sample: Sample) -> Petition:
    """The sample as an unsaved Petition, the object the scorer reads in the application."""
    return Petition(
        kind=sample.kind,
        received_date=sample.received,
        summary=sample.summary,
        senders=[
            PetitionSender(
                position=i,
                full_name=s.full_name,
                address=s.address,
                identity_no=s.identity_no,
                phone=s.phone,
            )
            for i, s in enumerate(sample.senders)
        ],
    )


def _describe(sample: Sample) -> dict:
    return {
        "id": sample.id,
        "matter": sample.matter,
        "group": sample.group,
        "tags": sample.tags,
        "summary": sample.summary,
        "senders": [asdict(s) for s in sample.senders],
    }


def evaluate(samples: list[Sample], seed: int = 0, keep_examples: int = 0, units: int = 0) -> Score:
    """Compare each petition with the earlier ones of its kind, as the intake page does.

    With `units`, the cross-unit set: each petition is registered at one of that many units of
    a tree (seeded), only pairs at different units are compared, with the cross-unit test
    (duplicates.same_person_same_matter, what the processing page suggests from other units),
    and any kind with any kind (related_elsewhere looks at every kind)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    unit_of = [rng.randrange(units) if units else 0 for _ in samples]
    scorer = duplicates.same_person_same_matter if units else duplicates.score_profiles
    profiles = [duplicates.profile(petition_of(s)) for s in samples]
    order = sorted(range(len(samples)), key=lambda i: (samples[i].received, samples[i].id))
    lookback = timedelta(days=duplicates.LOOKBACK_DAYS)
    matter_sizes = Counter(s.matter for s in samples)
    score = Score(
        size=len(samples),
        seed=seed,
        matters=len(matter_sizes),
        pairs_compared=0,
        true_pairs=sum(n * (n - 1) // 2 for n in matter_sizes.values()),
    )
    fp_groups: Counter = Counter()
    hard: Counter = Counter()
    fn_tags: Counter = Counter()
    examples: dict[str, list] = {"false_positives": [], "false_negatives": []}
    earlier: dict[str, list[int]] = {}
    for i in order:
        new = samples[i]
        seen = earlier.setdefault("all" if units else new.kind, [])
        for j in seen:
            old = samples[j]
            if new.received - old.received > lookback:
                continue
            if units and unit_of[i] == unit_of[j]:
                continue
            score.pairs_compared += 1
            predicted = scorer(profiles[i], profiles[j]) is not None
            actual = new.matter == old.matter
            related = new.related == old.matter or old.related == new.matter
            if related or (new.related and new.related == old.related):
                hard[new.group if new.related else old.group] += 1
            if predicted and actual:
                score.tp += 1
            elif predicted:
                score.fp += 1
                fp_groups[new.group if new.group != "original" else old.group] += 1
                if len(examples["false_positives"]) < keep_examples:
                    examples["false_positives"].append([_describe(new), _describe(old)])
            elif actual:
                score.fn += 1
                fn_tags.update(set(new.tags) | set(old.tags) or {"(none)"})
                if len(examples["false_negatives"]) < keep_examples:
                    examples["false_negatives"].append([_describe(new), _describe(old)])
            else:
                score.tn += 1
        seen.append(i)
    # Pairs never compared (another kind, or beyond the look-back) are negatives left alone;
    # a true pair beyond the look-back would be a miss, counted here.
    compared_true = score.tp + score.fn
    if units:  # the true pairs are those at different units
        score.true_pairs = sum(
            1
            for a in range(len(samples))
            for b in range(a + 1, len(samples))
            if samples[a].matter == samples[b].matter and unit_of[a] != unit_of[b]
        )
    score.fn += score.true_pairs - compared_true
    score.seconds = round(time.perf_counter() - started, 2)
    score.hard_negative_pairs = dict(hard.most_common())
    score.false_positives_by_group = dict(fp_groups.most_common())
    score.false_negatives_by_tag = dict(fn_tags.most_common())
    score.examples = examples if keep_examples else {}
    return score


def run(size: int = 1000, seed: int = 2026, keep_examples: int = 0, units: int = 0) -> Score:
    return evaluate(generate(size, seed), seed=seed, keep_examples=keep_examples, units=units)


def report(score: Score) -> str:
    lines = [
        f"Duplicate detection on {score.size} synthetic petitions ({score.matters} matters, "
        f"seed {score.seed}): {score.pairs_compared} pairs compared, "
        f"{score.true_pairs} true duplicate pairs.",
        f"precision {score.precision:.4f}   recall {score.recall:.4f}   F1 {score.f1:.4f}"
        f"   (target: precision > {PRECISION_TARGET})",
        f"TP {score.tp}   FP {score.fp}   FN {score.fn}   TN {score.tn}   ({score.seconds} s)",
    ]
    lines.append(f"hard negative pairs compared: {score.hard_negative_pairs}")
    if score.false_positives_by_group:
        lines.append(f"false positives by hard negative: {score.false_positives_by_group}")
    if score.false_negatives_by_tag:
        lines.append(f"misses by variation: {score.false_negatives_by_tag}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.duplicates", description=__doc__)
    parser.add_argument("--size", type=int, default=1000, help="petitions (default 1000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--examples", type=int, default=0, help="keep N errors of each sort")
    parser.add_argument("--output", type=Path, default=RESULTS / "duplicates.json")
    args = parser.parse_args(argv)
    score = run(args.size, args.seed, args.examples)
    print(report(score))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(score.as_dict(), ensure_ascii=False, indent=2) + "\n")
    print(f"written {args.output}")
    if args.examples:
        print(json.dumps(score.examples, ensure_ascii=False, indent=1))
    return 0 if score.precision > PRECISION_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
