"""The profile's KPIs measured on the advisor's own community: satisfaction (share of 👍),
outstanding tickets and their age, ticket closure rate and median time to close, questions per day,
the answered share, and the most frequent unanswered questions grouped by similarity (candidates
for new aliases in the knowledge base). Rendered as text, JSON or a self-contained HTML page with
SVG charts (no server, no script)."""
from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import math
import statistics

from rapidfuzz import fuzz, process

from .handoff import age_text
from .i18n import t
from .text import fold

CLUSTER_SIMILARITY = 80


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).date().isoformat()


def cluster_questions(questions: list[str], limit: int = 10) -> list[dict]:
    """Greedy clustering of similar questions (rapidfuzz token_set_ratio on folded text)."""
    reps: list[str] = []
    clusters: list[dict] = []
    for q in questions:
        key = " ".join(fold(q).split())
        if not key:
            continue
        hit = process.extractOne(key, reps, scorer=fuzz.token_set_ratio, score_cutoff=CLUSTER_SIMILARITY) if reps else None
        if hit is None:
            reps.append(key)
            clusters.append({"example": q, "count": 1, "questions": [q]})
        else:
            c = clusters[hit[2]]
            c["count"] += 1
            if len(c["questions"]) < 5 and q not in c["questions"]:
                c["questions"].append(q)
    clusters.sort(key=lambda c: -c["count"])
    return clusters[:limit]


async def compute(storage, now: float, since: float | None = None, community: str | None = None,
                  platform: str | None = None, max_grouped: int | None = None) -> dict:
    """The report's figures. Grouping the unanswered questions grows with the square of their number,
    so it runs in a worker thread (a bot's event loop keeps serving); ``max_grouped`` bounds it to
    the latest that many (a chat command's answer), and the result says how many were grouped."""
    since = since if since is not None else 0.0
    cw, cargs = "", ()
    if community is not None:
        cw, cargs = cw + " AND community = ?", cargs + (community,)
    if platform is not None:
        cw, cargs = cw + " AND platform = ?", cargs + (platform,)
    rows = await storage.query(
        "SELECT created_at, answered, question, topic FROM qa_log WHERE created_at >= ?" + cw + " ORDER BY created_at",
        (since, *cargs),
    )
    # small talk ("hi", "thanks") is counted apart: it is neither an answered nor an unanswered question
    qa = [(ts, a, q) for ts, a, q, topic in rows if not (topic or "").startswith("smalltalk:")]
    smalltalk = len(rows) - len(qa)
    votes = await storage.query(
        "SELECT v.vote, q.created_at FROM votes v JOIN qa_log q ON q.id = v.log_id WHERE q.created_at >= ?"
        + cw.replace("community", "q.community").replace("platform", "q.platform"),
        (since, *cargs),
    )
    tickets = await storage.query(
        "SELECT status, created_at, closed_at FROM tickets WHERE created_at >= ?" + cw, (since, *cargs)
    )
    total = len(qa)
    answered = sum(1 for _, a, _ in qa if a)
    per_day: dict[str, list[int]] = {}
    for ts, a, _ in qa:
        d = per_day.setdefault(_day(ts), [0, 0])
        d[0] += 1
        d[1] += int(bool(a))
    votes_day: dict[str, list[int]] = {}
    for v, ts in votes:
        d = votes_day.setdefault(_day(ts), [0, 0])
        d[0 if v > 0 else 1] += 1
    up = sum(1 for v, _ in votes if v > 0)
    down = len(votes) - up
    start = since if since > 0 else (qa[0][0] if qa else now)
    days = max(1, math.ceil((now - start) / 86400))
    outstanding = [now - c for s, c, _ in tickets if s != "closed"]
    closed = [cl - c for s, c, cl in tickets if s == "closed" and cl is not None]
    unanswered = [q for _, a, q in qa if not a]
    grouped = unanswered[-max_grouped:] if max_grouped is not None and max_grouped >= 0 else unanswered
    groups = await asyncio.to_thread(cluster_questions, grouped)
    return {
        "community": community,
        "platform": platform,
        "since": _day(since) if since > 0 else None,
        "generated_at": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(timespec="seconds"),
        "satisfaction": (up / len(votes)) if votes else None,
        "votes_up": up,
        "votes_down": down,
        "open_tickets": len(outstanding),
        "open_ticket_oldest_seconds": max(outstanding) if outstanding else None,
        "open_ticket_median_age_seconds": statistics.median(outstanding) if outstanding else None,
        "tickets_total": len(tickets),
        "tickets_closed": len(closed),
        "closure_rate": (len(closed) / len(tickets)) if tickets else None,
        "median_time_to_close_seconds": statistics.median(closed) if closed else None,
        "questions": total,
        "smalltalk": smalltalk,
        "days": days,
        "questions_per_day_average": total / days,
        "questions_per_day": {d: v[0] for d, v in sorted(per_day.items())},
        "answered_share": (answered / total) if total else None,
        "answered_share_per_day": {d: v[1] / v[0] for d, v in sorted(per_day.items())},
        "satisfaction_per_day": {d: v[0] / (v[0] + v[1]) for d, v in sorted(votes_day.items())},
        "unanswered_groups": groups,
        "unanswered_grouped": len(grouped),
    }


def _pct(x, lang) -> str:
    return t("report.none", lang) if x is None else f"{round(100 * x)}%"


def _age(x, lang) -> str:
    return t("report.none", lang) if x is None else age_text(x, lang)


def to_text(r: dict, lang: str = "en") -> str:
    scope = ":".join(x for x in (r.get("platform"), r["community"]) if x) or t("report.scope_all", lang)
    head = t("report.title", lang, scope=scope)
    if r["since"]:
        head += " — " + t("report.since", lang, date=r["since"])
    lines = [
        head,
        t("report.satisfaction", lang, value=_pct(r["satisfaction"], lang), up=r["votes_up"], down=r["votes_down"]),
        t("report.open_tickets", lang, n=r["open_tickets"], oldest=_age(r["open_ticket_oldest_seconds"], lang),
          median=_age(r["open_ticket_median_age_seconds"], lang)),
        t("report.closure", lang, rate=_pct(r["closure_rate"], lang), closed=r["tickets_closed"], total=r["tickets_total"],
          median=_age(r["median_time_to_close_seconds"], lang)),
        t("report.activity", lang, total=r["questions"], per_day=round(r["questions_per_day_average"], 1), days=r["days"]),
        t("report.answered", lang, value=_pct(r["answered_share"], lang)),
        t("report.smalltalk", lang, n=r.get("smalltalk", 0)),
    ]
    if r["unanswered_groups"]:
        lines.append(t("report.unanswered", lang))
        lines += ["  " + t("report.cluster", lang, n=c["count"], example=c["example"]) for c in r["unanswered_groups"]]
    return "\n".join(lines)


def to_json(r: dict) -> str:
    return json.dumps(r, ensure_ascii=False, indent=2)


def _bar_chart(title: str, series: dict, percent: bool = False) -> str:
    """An SVG bar chart (one bar per day), self-contained."""
    w, h, pad = 640, 220, 36
    items = list(series.items())
    esc = html.escape
    out = [f'<figure class="chart"><figcaption>{esc(title)}</figcaption>',
           f'<svg role="img" aria-label="{esc(title)}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
           f'<line x1="{pad}" y1="{h - pad}" x2="{w - 8}" y2="{h - pad}" stroke="#888"/>']
    if not items:
        out.append(f'<text x="{w // 2}" y="{h // 2}" text-anchor="middle" fill="#888">—</text>')
    else:
        top = 1.0 if percent else max(v for _, v in items) or 1
        slot = (w - pad - 8) / len(items)
        bw = max(2.0, slot * 0.7)
        for i, (day, v) in enumerate(items):
            bh = (h - 2 * pad) * (v / top)
            x = pad + i * slot + (slot - bw) / 2
            label = f"{round(100 * v)}%" if percent else str(v)
            out.append(f'<rect class="bar" x="{x:.1f}" y="{h - pad - bh:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="#4a7bd0">'
                       f'<title>{esc(day)}: {esc(label)}</title></rect>')
            if len(items) <= 14 or i % max(1, len(items) // 10) == 0:
                out.append(f'<text x="{x + bw / 2:.1f}" y="{h - pad + 14}" font-size="10" text-anchor="middle">{esc(day[5:])}</text>')
                out.append(f'<text x="{x + bw / 2:.1f}" y="{h - pad - bh - 4:.1f}" font-size="10" text-anchor="middle">{esc(label)}</text>')
    out.append("</svg></figure>")
    return "\n".join(out)


def to_html(r: dict, lang: str = "en") -> str:
    esc = html.escape
    text = to_text(r, lang).split("\n")
    heading = t("report.unanswered", lang)
    items = "".join(f"<li>{esc(x.strip())}</li>" for x in text[1:] if x.strip() and not x.startswith("  ") and x != heading)
    groups = "".join(f"<li>{esc(t('report.cluster', lang, n=c['count'], example=c['example']))}</li>" for c in r["unanswered_groups"])
    charts = "\n".join([
        _bar_chart(t("report.chart_questions", lang), r["questions_per_day"]),
        _bar_chart(t("report.chart_answered", lang), r["answered_share_per_day"], percent=True),
        _bar_chart(t("report.chart_satisfaction", lang), r["satisfaction_per_day"], percent=True),
    ])
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(text[0])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}figure{{margin:1.5rem 0}}
figcaption{{font-weight:600;margin-bottom:.4rem}}li{{margin:.2rem 0}}</style></head>
<body><h1>{esc(text[0])}</h1><ul class="kpis">{items}</ul>
{charts}
<h2>{esc(t("report.unanswered", lang))}</h2><ol class="unanswered">{groups}</ol>
<p><small>{esc(r["generated_at"])}</small></p></body></html>
"""
