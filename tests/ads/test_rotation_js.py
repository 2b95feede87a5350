"""The browser-side choice (static/ads/ads.js `pick`), run under Node when it is installed."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "ads" / "ads.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def run(candidates, now, draws=20000, seed=7):
    """Counts of chosen placement ids over `draws` picks with a seeded generator."""
    program = f"""
    const {{ pick }} = require({json.dumps(str(SCRIPT))});
    let s = {seed};
    const random = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const counts = {{}};
    for (let i = 0; i < {draws}; i++) {{
      const c = pick({json.dumps(candidates)}, {now}, random);
      const key = c ? c.placement : "none";
      counts[key] = (counts[key] || 0) + 1;
    }}
    console.log(JSON.stringify(counts));
    """
    result = subprocess.run(  # noqa: S603 (our own script)
        [NODE, "-e", program], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def candidate(placement, *, weight=10, priority=2, starts=None, ends=None):
    return {
        "placement": placement,
        "weight": weight,
        "priority": priority,
        "starts": starts,
        "ends": ends,
    }


def test_weights_are_honoured_statistically():
    counts = run([candidate(1, weight=10), candidate(2, weight=30)], now=1000)
    share = counts["2"] / 20000
    # 75% expected; 20,000 draws put 3 standard deviations at about ±0.9%
    assert 0.735 < share < 0.765, counts


def test_only_the_best_priority_tier_is_chosen():
    counts = run(
        [candidate(1, priority=3, weight=1000), candidate(2, priority=2), candidate(3, priority=2)],
        now=1000,
    )
    assert set(counts) == {"2", "3"}


def test_windows_start_inclusive_end_exclusive_in_the_browser():
    items = [candidate(1, priority=1, starts=1000, ends=2000), candidate(2)]
    assert set(run(items, now=999, draws=50)) == {"2"}
    assert set(run(items, now=1000, draws=50)) == {"1"}
    assert set(run(items, now=1999, draws=50)) == {"1"}
    assert set(run(items, now=2000, draws=50)) == {"2"}


def test_nothing_eligible_gives_nothing():
    assert run([candidate(1, ends=5)], now=10, draws=5) == {"none": 5}
