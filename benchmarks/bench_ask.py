"""Answering speed, side by side with a BM25 retriever over the same profile, in one run.

    python benchmarks/bench_ask.py [--rounds N] [--baseline REV]

Prints warm per-question latency (p50/p99/max) of ``Advisor.ask`` and of a bm25s retriever over
one document per topic (the same texts the advisor answers from), the top-1 accuracy of both on the
question sets, the time of a one-shot ``role-advisor ask`` process against a bare
``python -c pass`` (medians of repeated runs), and the resident memory of a process that only
loads the advisor and answers every question, beside the same for the code at ``--baseline``
(a git revision, checked out in a temporary worktree; default: the commit before the
understanding work, b309f9f).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot import Advisor  # noqa: E402
import grade  # noqa: E402

SETS = [ROOT / "tests/data/questions.public.jsonl", ROOT / "tests/data/questions.dev.jsonl",
        ROOT / "tests/data/questions.casual.jsonl", ROOT / "tests/data/questions.unseen.jsonl",
        ROOT / "tests/data/questions.fresh1.jsonl", ROOT / "tests/data/questions.fresh2.jsonl",
        ROOT / "tests/data/questions.fresh3.jsonl"]
SHARED_DEV2 = ROOT.parent / "shared/eval/questions.dev2.jsonl"
if SHARED_DEV2.exists():
    SETS.append(SHARED_DEV2)

RSS_PROBE = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from bot import Advisor
a = Advisor.load()
for f in sys.argv[2:]:
    for line in open(f, encoding="utf-8"):
        a.ask(json.loads(line)["q"])
# VmHWM, the peak resident set of this process image (ru_maxrss would carry over the peak of the
# benchmark process that started it: Linux keeps it across exec)
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
print(int(peak[0].split()[1]) / 1024 if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def answering_rss(tree: pathlib.Path, cache: str) -> float:
    import os

    env = dict(os.environ, ROLE_ADVISOR_CACHE_DIR=cache)
    env.pop("ROLE_ADVISOR_KNOWLEDGE", None)
    out = ""
    for _ in range(2):  # the first run fills the cache; the second is what a start costs
        out = subprocess.run([sys.executable, "-c", RSS_PROBE, str(tree), *map(str, SETS)], env=env,
                             capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def topic_docs(advisor: Advisor) -> tuple[list[str], list[str]]:
    topics = advisor.topics()
    docs = []
    for t in topics:
        docs.append(advisor.render(t, "en") + "\n" + advisor.render(t, "hu") + "\n" + t.replace(":", " "))
    return topics, docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--baseline", default="b309f9f", help="git revision to compare resident memory with ('' to skip)")
    args = ap.parse_args()

    questions = [json.loads(l) for f in SETS for l in open(f, encoding="utf-8")]
    texts = [q["q"] for q in questions]
    advisor = Advisor.load()

    import bm25s

    topics, docs = topic_docs(advisor)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(docs, show_progress=False), show_progress=False)

    def bm25_top(q: str) -> str:
        toks = bm25s.tokenize([q], show_progress=False)
        if not toks.vocab:
            return topics[0]
        res, _ = retriever.retrieve(toks, k=1, show_progress=False)
        return topics[int(res[0][0])]

    for q in texts:  # warm up both
        advisor.ask(q)
        bm25_top(q)

    from bot.text import clean
    from bot.understand import match

    ours, theirs, topic_only = [], [], []
    ix = advisor.index
    for _ in range(args.rounds):
        for q in texts:
            t0 = time.perf_counter()
            advisor.ask(q)
            t1 = time.perf_counter()
            bm25_top(q)
            t2 = time.perf_counter()
            match(ix, clean(q))  # the matcher alone: question in, topic out, like the retriever
            t3 = time.perf_counter()
            ours.append((t1 - t0) * 1e3)
            theirs.append((t2 - t1) * 1e3)
            topic_only.append((t3 - t2) * 1e3)

    # top-1 accuracy with the grader's rules (BM25 always answers, with the full topic text)
    ans_ours = [advisor.ask(q).to_dict() for q in texts]
    ans_bm25 = []
    for q in texts:
        t = bm25_top(q)
        ans_bm25.append({"answered": True, "topic": t, "answer": advisor.render(t, advisor.detect_lang(q)),
                         "lang": advisor.detect_lang(q)})
    acc = lambda a: grade.grade(questions, a)[0]["all"][0] / len(questions)  # noqa: E731

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def median_run(cmd, n=15):
        xs = []
        for _ in range(n):
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            xs.append(time.perf_counter() - t0)
        return statistics.median(xs) * 1e3

    exe = pathlib.Path(sys.executable).with_name("role-advisor")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "adapters"]
    subprocess.run(cli + ["ask", "warm the cache"], stdout=subprocess.DEVNULL, check=False)
    bare = median_run([sys.executable, "-c", "pass"])
    one = median_run(cli + ["ask", "What level is needed for E.4?"])

    import tempfile

    rss_now = rss_base = None
    with tempfile.TemporaryDirectory() as tmp:
        rss_now = answering_rss(ROOT, tmp + "/now")
        if args.baseline:
            wt = pathlib.Path(tmp) / "baseline"
            ok = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(wt), args.baseline],
                                capture_output=True).returncode == 0
            if ok:
                try:
                    rss_base = answering_rss(wt, tmp + "/base")
                finally:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(wt)], capture_output=True)

    n = len(texts) * args.rounds
    print(f"questions: {len(texts)} ({', '.join(f.name for f in SETS)}) x {args.rounds} rounds = {n} asks each")
    print(f"{'':22s} {'p50 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} {'top-1 acc':>10s}")
    print(f"{'role-advisor ask':22s} {pct(ours, 50):8.3f} {pct(ours, 99):8.3f} {max(ours):8.3f} {acc(ans_ours):10.3f}")
    print(f"{'  matcher alone':22s} {pct(topic_only, 50):8.3f} {pct(topic_only, 99):8.3f} {max(topic_only):8.3f} {'':>10s}")
    print(f"{'bm25s (same profile)':22s} {pct(theirs, 50):8.3f} {pct(theirs, 99):8.3f} {max(theirs):8.3f} {acc(ans_bm25):10.3f}")
    print(f"max RSS of this process (advisor + bm25s + numpy): {rss_mb:.0f} MB")
    base = f", baseline {args.baseline}: {rss_base:.1f} MB, difference {rss_now - rss_base:+.1f} MB" if rss_base else ""
    print(f"answering process (load + every question), max RSS: {rss_now:.1f} MB{base}")
    print(f"one-shot process: role-advisor ask {one:.1f} ms, python -c pass {bare:.1f} ms, ratio {one / bare:.1f}x")


if __name__ == "__main__":
    main()
