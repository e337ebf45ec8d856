"""How long the labelling still takes: votes left and each annotator's pace -> hours.

Pure arithmetic, no I/O: ``labeling status`` feeds it who annotated which task and each
annotator's lead times.

- An annotator's pace is the median of their lead times (seconds per item; the median, so
  that a task left open over lunch does not count).
- The votes still needed are, per task, ``overlap`` minus the annotations it has.
- The active annotators work in parallel, each at their own pace, and none annotates a task
  twice: annotator ``a`` can give at most one vote to each unfinished task they have not
  done. The projection is the shortest time ``T`` in which the team gives every vote left,
  ``sum_a min(T / pace_a, cap_a) = votes left`` (faster annotators take more items until
  they run out of tasks they may do). Votes no active annotator may give are reported as
  ``votes_blocked``: more annotators are needed for those; their working time is projected
  at the median pace of the active annotators (``blocked_annotator_hours``).
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Effort:
    """The projected work left."""

    votes_left: int
    hours_left: float | None  # wall clock, the active annotators working in parallel
    annotator_hours_left: float | None  # the sum of their working time
    team_items_per_hour: float | None  # the active annotators' combined pace
    votes_blocked: int  # votes that no active annotator can give (they did those tasks)
    pace_seconds: Mapping[str, float] = field(default_factory=dict)  # annotator -> median s/item
    # the blocked votes' working time, at the median pace of the active annotators
    blocked_annotator_hours: float | None = None


def effort(tasks: Sequence[Collection[Hashable]],
           lead_times: Mapping[Hashable, Sequence[float | None]],
           overlap: int, active: Collection[Hashable] | None = None) -> Effort:
    """Project the hours left.

    ``tasks``: per task, the annotators who annotated it (a skip counts: that annotator is
    done with it). ``lead_times``: per annotator, seconds spent on each annotation they
    made (non-positive or missing values are ignored). ``overlap``: annotations wanted per
    task. ``active``: the annotators expected to keep working (default: everyone with a
    measured pace). Hours are ``None`` when no active annotator has a pace yet.
    """
    if overlap < 1:
        raise ValueError("overlap must be at least 1")
    pace = {a: float(statistics.median(v)) for a, v in
            ((a, [x for x in ts if x is not None and x > 0]) for a, ts in lead_times.items()) if v}
    team = [a for a in (pace if active is None else active) if a in pace]
    votes_left = 0
    caps = dict.fromkeys(team, 0)
    blocked = 0
    for done in tasks:
        need = max(0, overlap - len(done))
        if not need:
            continue
        votes_left += need
        able = [a for a in team if a not in done]
        for a in able:
            caps[a] += 1
        blocked += max(0, need - len(able))
    shown = {str(a): round(s, 3) for a, s in pace.items()}
    if not team:
        return Effort(votes_left, None, None, None, blocked, shown)
    reachable = votes_left - blocked
    seconds = _finish_time(reachable, {a: pace[a] for a in team}, caps)
    # Each annotator works until they have given their share (min(T / pace, cap) items).
    worked = sum(min(seconds, caps[a] * pace[a]) for a in team)
    rate = sum(3600.0 / pace[a] for a in team)
    typical = statistics.median(pace[a] for a in team)
    return Effort(votes_left=votes_left, hours_left=seconds / 3600.0,
                  annotator_hours_left=worked / 3600.0, team_items_per_hour=rate,
                  votes_blocked=blocked, pace_seconds=shown,
                  blocked_annotator_hours=blocked * typical / 3600.0)


def _finish_time(votes: int, pace: Mapping[Hashable, float], caps: Mapping[Hashable, int]) -> float:
    """The least T with ``sum_a min(T / pace_a, cap_a) >= votes`` (the caps allow ``votes``).

    Annotators run out of work in the order of ``cap * pace``; between two such moments
    the team's rate is constant, so T is found exactly, segment by segment.
    """
    if votes <= 0:
        return 0.0
    order = sorted(pace, key=lambda a: caps[a] * pace[a])
    given = 0.0  # votes given by the annotators who ran out of work
    rate = sum(1.0 / pace[a] for a in order)  # items per second of those still working
    for a in order:
        t_out = caps[a] * pace[a]  # when ``a`` runs out of tasks
        if given + rate * t_out >= votes:
            return (votes - given) / rate
        given += caps[a]
        rate -= 1.0 / pace[a]
    # Every cap reached: only possible when the caps sum to exactly ``votes``.
    return max(caps[a] * pace[a] for a in order)
