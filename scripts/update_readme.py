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
    ("hinton2015-full", "results/hinton2015/full", ["mnist-table", "temperature-sweep"],
     "profile `full`, full MNIST"),
    ("hinton2015-fashion", "results/hinton2015/cpu-fashion", ["mnist-table"],
     "profile `cpu`, `--dataset fashion-mnist`"),
    ("takd", "results/takd/cpu", ["table", "ta-size", "teacher-size", "paths"],
     "profile `cpu`, bundled Fashion-MNIST subset"),
    ("noisy-teacher", "results/noisy-teacher/cpu", ["table"],
     "profile `cpu`, bundled MNIST and Fashion-MNIST subsets"),
    ("boundary", "results/boundary/cpu", ["table", "comparison", "less-data"],
     "profile `cpu`, bundled Fashion-MNIST subset"),
]


# The status table: (paper, crate, what is reproduced, result directories whose claims count).
PAPERS = [
    ("Hinton, Vinyals & Dean (2015), *Distilling the Knowledge in a Neural Network*",
     "repro-hinton2015", "MNIST §3; §6 soft-targets-as-regularizer as a digit analogue",
     [("cpu", "results/hinton2015/cpu"), ("full MNIST", "results/hinton2015/full")]),
    ("Czarnecki et al. (2017), *Sobolev Training for Neural Networks*",
     "repro-sobolev", "§4.1 regression claims; Sobolev distillation as a digit analogue",
     [("cpu", "results/sobolev/cpu")]),
    ("Mirzadeh et al. (2020), *Improved Knowledge Distillation via Teacher Assistant*",
     "repro-takd", "plain-CNN Table 1, Table 2, teacher size and all 8 paths on a Fashion-MNIST "
     "subset; ResNets and CIFAR in the paper profile (not yet run)",
     [("cpu", "results/takd/cpu")]),
    ("Sau & Balasubramanian (2016), *Deep Model Compression: Distilling Knowledge from Noisy "
     "Teachers*", "repro-noisy-teacher", "MNIST and Fashion-MNIST subsets (LeNet-5 -> MLP); the "
     "paper's text unread; SVHN/CIFAR-10 in the paper profile (not yet run)",
     [("cpu", "results/noisy-teacher/cpu")]),
    ("Heo et al. (2019), *Knowledge Distillation with Adversarial Samples Supporting Decision "
     "Boundary*", "repro-boundary", "KD vs KD + BSS, the comparison with FitNets, AT, FSP and "
     "mutual learning, the attack and less data, on a Fashion-MNIST subset",
     [("cpu", "results/boundary/cpu")]),
]


def read_claims(directory: str):
    path = ROOT / directory / "claims.csv"
    if not path.is_file():
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


VERDICTS = ["holds", "not shown", "fails", "contradicted", "descriptive"]


def counts(claims) -> dict:
    return {v: sum(c["verdict"] == v for c in claims) for v in VERDICTS}


def status_block() -> str:
    """The status from the central claims' verdicts (issue 19), per listed results directory:
    'reproduced' where every central claim holds in every directory, 'not reproduced' where
    none holds in any, 'partly reproduced (k of n hold, m not shown, f fail)' otherwise."""
    out = ["| paper | crate | status |", "|---|---|---|"]
    for paper, crate, scope, dirs in PAPERS:
        parts, all_hold, any_hold = [], True, False
        for label, directory in dirs:
            claims = read_claims(directory)
            if claims is None:
                parts.append(f"{label}: no results yet")
                all_hold = False
                continue
            central = [c for c in claims if c["central"] == "true"]
            n = counts(central)
            all_hold &= bool(central) and n["holds"] == len(central)
            any_hold |= n["holds"] > 0
            fail = n["fails"] + n["contradicted"]
            parts.append(
                f"{label}: {n['holds']} of {len(central)} central claims hold, "
                f"{n['not shown']} not shown, {fail} fail"
                + (f" ({n['contradicted']} contradicted)" if n["contradicted"] else "")
                + (f", {n['descriptive']} descriptive" if n["descriptive"] else "")
            )
        word = ("reproduced" if all_hold else
                "partly reproduced" if any_hold else "not reproduced")
        out.append(f"| {paper} | `{crate}` | {word} ({'; '.join(parts)}) — {scope} |")
    return "\n".join(out)


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
    claims = read_claims(directory)
    n = counts(claims)
    central = [c for c in claims if c["central"] == "true"]
    m = counts(central)
    out.append(
        f"Central claims: {m['holds']} of {len(central)} hold, {m['not shown']} not shown, "
        f"{m['fails'] + m['contradicted']} fail. All claims: {n['holds']} of {len(claims)} hold "
        f"(one-sided paired t-test over seeds, alpha 0.05; effect, bound, p and n in the summary).")
    out.append("")
    for c in claims:
        verdict = c["verdict"] if c["verdict"] == "holds" else f"**{c['verdict']}**"
        central_mark = " (central)" if c["central"] == "true" else ""
        detail = (f" (effect {float(c['effect']):+.3g}, p = {float(c['p']):.3g}, n = {c['n']})"
                  if c["n"] else "")
        out.append(f"- {verdict}{central_mark}: {c['statement']}{detail}")
    return "\n".join(out)


def main() -> int:
    readme_path = ROOT / "README.md"
    text = readme_path.read_text()
    new = text
    generated = [(m, lambda d=d, s=s, h=h: block(d, s, h)) for m, d, s, h in BLOCKS]
    generated.append(("status", status_block))
    for marker, make in generated:
        pattern = re.compile(
            rf"(<!-- results:{marker} -->\n)(?:.*?\n)?(<!-- /results:{marker} -->)", re.S)
        if not pattern.search(new):
            sys.exit(f"README.md has no results:{marker} markers")
        content = make()
        new = pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), new)
    if "--check" in sys.argv:
        if new != text:
            print("README.md results are out of date: run python3 scripts/update_readme.py")
            return 1
        return 0
    readme_path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
