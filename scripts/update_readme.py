#!/usr/bin/env python3
"""Splice the committed results into README.md (between the results markers).

Every number comes from results/<paper>/<profile>/*.md and claims.csv as the code wrote them;
nothing here computes or edits a number.

    python3 scripts/update_readme.py          # rewrite README.md in place
    python3 scripts/update_readme.py --check  # exit 1 if README.md is out of date
"""

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (marker, results directory, sections to include, heading)
BLOCKS = [
    ("sobolev", "results/sobolev/cpu", ["regression", "distillation"], "profile `cpu`"),
    ("hinton2015", "results/hinton2015/cpu", ["mnist-table"], "profile `cpu`, bundled mnist-10k"),
    ("hinton2015-fashion", "results/hinton2015/cpu-fashion", ["mnist-table"],
     "profile `cpu`, `--dataset fashion-mnist`"),
]


def section_table(md: str) -> str:
    """The first Markdown table of a section."""
    lines = md.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("|"))
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[start:end])


def block(directory: str, sections, heading: str) -> str:
    d = ROOT / directory
    if not (d / "claims.csv").is_file():
        return f"_No results in `{directory}` yet._"
    out = [f"From `{directory}/summary.md` ({heading}):", ""]
    for s in sections:
        out.append(section_table((d / f"{s}.md").read_text()))
        out.append("")
    with open(d / "claims.csv", newline="") as f:
        claims = list(csv.DictReader(f))
    held = sum(c["holds"] == "true" for c in claims)
    out.append(f"Claims: {held} of {len(claims)} hold.")
    out.append("")
    for c in claims:
        verdict = "holds" if c["holds"] == "true" else "**fails**"
        out.append(f"- {verdict}: {c['statement']}")
    return "\n".join(out)


def main() -> int:
    readme_path = ROOT / "README.md"
    text = readme_path.read_text()
    new = text
    for marker, directory, sections, heading in BLOCKS:
        pattern = re.compile(
            rf"(<!-- results:{marker} -->\n)(?:.*?\n)?(<!-- /results:{marker} -->)", re.S)
        if not pattern.search(new):
            sys.exit(f"README.md has no results:{marker} markers")
        new = pattern.sub(
            lambda m: m.group(1) + block(directory, sections, heading) + "\n" + m.group(2), new)
    if "--check" in sys.argv:
        if new != text:
            print("README.md results are out of date: run python3 scripts/update_readme.py")
            return 1
        return 0
    readme_path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
