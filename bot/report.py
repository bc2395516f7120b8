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
OPEN_SHOWN = 20  # open tickets listed one by one in the text form (the oldest first; all in JSON and HTML)


def _day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).date().isoformat()


def cluster_questions(questions: list, limit: int = 10) -> list[dict]:
    """Greedy clustering of similar questions (rapidfuzz token_set_ratio on folded text). Each item
    is a question, or (question, who asked it): ``people`` counts the distinct askers."""
    reps: list[str] = []
    clusters: list[dict] = []
    askers: list[set] = []
    for item in questions:
        q, who = item if isinstance(item, tuple) else (item, None)
        key = " ".join(fold(q).split())
        if not key:
            continue
        hit = process.extractOne(key, reps, scorer=fuzz.token_set_ratio, score_cutoff=CLUSTER_SIMILARITY) if reps else None
        if hit is None:
            reps.append(key)
            clusters.append({"example": q, "count": 1, "questions": [q]})
            askers.append({who})
        else:
            c = clusters[hit[2]]
            c["count"] += 1
            askers[hit[2]].add(who)
            if len(c["questions"]) < 5 and q not in c["questions"]:
                c["questions"].append(q)
    for c, who in zip(clusters, askers):
        c["people"] = len(who)
    clusters.sort(key=lambda c: (-c["count"], -c["people"]))
    return clusters[:limit]


async def compute(storage, now: float, since: float | None = None, community: str | None = None,
                  platform: str | None = None, advisor=None, max_grouped: int | None = None) -> dict:
    """The report's figures. With ``advisor``, each cluster of unanswered questions also lists the
    topics the matcher found closest below its threshold (what a moderator would teach it as).
    Grouping the unanswered questions grows with the square of their number, so it runs in a
    worker thread (a bot's event loop keeps serving); ``max_grouped`` bounds it to the latest that
    many (a chat command's answer), and the result says how many were grouped."""
    since = since if since is not None else 0.0
    cw, cargs = "", ()
    if community is not None:
        cw, cargs = cw + " AND community = ?", cargs + (community,)
    if platform is not None:
        cw, cargs = cw + " AND platform = ?", cargs + (platform,)
    rows = await storage.query(
        "SELECT created_at, answered, question, topic, platform, user_id, source FROM qa_log WHERE created_at >= ?" + cw
        + " ORDER BY created_at",
        (since, *cargs),
    )
    # small talk ("hi", "thanks") is counted apart: it is neither an answered nor an unanswered question
    qa = [r for r in rows if not (r[3] or "").startswith("smalltalk:")]
    smalltalk = len(rows) - len(qa)
    votes = await storage.query(
        "SELECT v.vote, q.created_at, q.platform FROM votes v JOIN qa_log q ON q.id = v.log_id WHERE q.created_at >= ?"
        + cw.replace("community", "q.community").replace("platform", "q.platform"),
        (since, *cargs),
    )
    tickets = await storage.query(
        "SELECT status, created_at, closed_at, platform, id, question, community FROM tickets WHERE created_at >= ?" + cw
        + " ORDER BY created_at", (since, *cargs)
    )
    total = len(qa)
    answered = sum(1 for r in qa if r[1])
    taught = sum(1 for r in qa if r[6] == "taught")
    community_answers = sum(1 for r in qa if r[6] == "taught" and (r[3] or "").startswith("faq:"))
    per_day: dict[str, list[int]] = {}
    for r in qa:
        d = per_day.setdefault(_day(r[0]), [0, 0])
        d[0] += 1
        d[1] += int(bool(r[1]))
    votes_day: dict[str, list[int]] = {}
    for v, ts, _ in votes:
        d = votes_day.setdefault(_day(ts), [0, 0])
        d[0 if v > 0 else 1] += 1
    up = sum(1 for v, _, _ in votes if v > 0)
    down = len(votes) - up
    start = since if since > 0 else (qa[0][0] if qa else now)
    days = max(1, math.ceil((now - start) / 86400))
    outstanding = [now - tk[1] for tk in tickets if tk[0] != "closed"]
    closed = [tk[2] - tk[1] for tk in tickets if tk[0] == "closed" and tk[2] is not None]
    unanswered = [(r[2], (r[4], r[5])) for r in qa if not r[1]]
    grouped = unanswered[max(0, len(unanswered) - max_grouped):] if max_grouped is not None and max_grouped >= 0 \
        else unanswered
    groups = await asyncio.to_thread(cluster_questions, grouped)
    for g in groups:
        g["closest"] = ([{"topic": tp, "score": sc} for tp, sc in _closest(advisor, g["example"])]
                        if advisor is not None else [])
    open_list = [{"id": tk[4], "platform": tk[3], "community": tk[6], "age_seconds": now - tk[1],
                  "question": tk[5] if len(tk[5]) <= 80 else tk[5][:79] + "…"}
                 for tk in tickets if tk[0] != "closed"]
    # one date axis for every chart: each day from the first to the last with anything in it
    all_days = sorted(set(per_day) | set(votes_day))
    axis = _days_between(all_days[0], all_days[-1]) if all_days else []
    platforms: dict[str, dict] = {}
    for p in sorted({r[4] for r in rows} | {v[2] for v in votes} | {tk[3] for tk in tickets}):
        pq = [r for r in qa if r[4] == p]
        pv = [v for v in votes if v[2] == p]
        pt = [tk for tk in tickets if tk[3] == p]
        pup = sum(1 for v in pv if v[0] > 0)
        platforms[p] = {
            "questions": len(pq),
            "answered_share": (sum(1 for r in pq if r[1]) / len(pq)) if pq else None,
            "taught": sum(1 for r in pq if r[6] == "taught"),
            "smalltalk": sum(1 for r in rows if r[4] == p and (r[3] or "").startswith("smalltalk:")),
            "satisfaction": (pup / len(pv)) if pv else None,
            "votes_up": pup,
            "votes_down": len(pv) - pup,
            "tickets_total": len(pt),
            "open_tickets": sum(1 for tk in pt if tk[0] != "closed"),
        }
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
        "open_ticket_list": open_list,
        "tickets_total": len(tickets),
        "tickets_closed": len(closed),
        "closure_rate": (len(closed) / len(tickets)) if tickets else None,
        "median_time_to_close_seconds": statistics.median(closed) if closed else None,
        "questions": total,
        "smalltalk": smalltalk,
        "taught": taught,
        "community_answers": community_answers,
        "days": days,
        "questions_per_day_average": total / days,
        "questions_per_day": {d: v[0] for d, v in sorted(per_day.items())},
        "answered_share": (answered / total) if total else None,
        "answered_share_per_day": {d: v[1] / v[0] for d, v in sorted(per_day.items())},
        "satisfaction_per_day": {d: v[0] / (v[0] + v[1]) for d, v in sorted(votes_day.items())},
        "votes_per_day": {d: {"up": v[0], "down": v[1]} for d, v in sorted(votes_day.items())},
        "days_axis": axis,
        "platforms": platforms,
        "unanswered_groups": groups,
        "unanswered_grouped": len(grouped),
    }


def _days_between(first: str, last: str) -> list[str]:
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(a + dt.timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]


def _closest(advisor, question: str) -> list[tuple[str, float]]:
    from .taught import closest

    try:
        return closest(advisor, question)
    except Exception:  # the report never fails for a suggestion
        return []


def _pct(x, lang) -> str:
    return t("report.none", lang) if x is None else f"{round(100 * x)}%"


def _age(x, lang) -> str:
    return t("report.none", lang) if x is None else age_text(x, lang)


def _topics_text(closest: list[dict]) -> str:
    return ", ".join(f"{c['topic']} ({c['score']:.2f})" for c in closest)


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
        t("report.taught", lang, n=r.get("taught", 0), community=r.get("community_answers", 0)),
        t("report.smalltalk", lang, n=r.get("smalltalk", 0)),
    ]
    platforms = r.get("platforms") or {}
    if len(platforms) > 1 or (platforms and not r.get("platform")):
        lines.append(t("report.per_platform", lang))
        for p, f in platforms.items():
            lines.append("  " + t("report.platform_row", lang, platform=p, questions=f["questions"],
                                  answered=_pct(f["answered_share"], lang), taught=f["taught"],
                                  satisfaction=_pct(f["satisfaction"], lang), open=f["open_tickets"], total=f["tickets_total"]))
    if r.get("open_ticket_list"):
        lines.append(t("report.open_list", lang))
        for tk in r["open_ticket_list"][:OPEN_SHOWN]:
            lines.append("  " + t("report.open_row", lang, id=tk["id"], platform=tk["platform"],
                                  age=age_text(tk["age_seconds"], lang), question=tk["question"]))
        if len(r["open_ticket_list"]) > OPEN_SHOWN:
            lines.append("  " + t("teach.list_more", lang, n=len(r["open_ticket_list"]) - OPEN_SHOWN))
    if r["unanswered_groups"]:
        lines.append(t("report.unanswered", lang))
        for c in r["unanswered_groups"]:
            lines.append("  " + t("report.cluster", lang, n=c["count"], people=c.get("people", 1), example=c["example"]))
            if c.get("closest"):
                lines.append("    " + t("report.closest", lang, topics=_topics_text(c["closest"]),
                                        command=f"/teach {c['closest'][0]['topic']} {c['example']}"))
    return "\n".join(lines)


def to_json(r: dict) -> str:
    return json.dumps(r, ensure_ascii=False, indent=2)


# 👍/👎 as inline SVG: the page must not depend on an emoji font (a stock Debian Chromium has none)
_THUMB = ('<svg class="thumb" role="img" aria-label="{label}" viewBox="0 0 16 16" width="1em" height="1em" '
          'style="vertical-align:-0.125em"{turn}><path fill="{fill}" d="M1 7h3v8H1z M5 7l3-6c1.2 0 2 .8 2 2l-.5 3H14'
          'c1 0 1.7.9 1.5 1.9l-1.2 6c-.2.7-.8 1.1-1.5 1.1H5z"/></svg>')
THUMB_UP = _THUMB.format(label="thumbs up", fill="#2e7d32", turn="")
THUMB_DOWN = _THUMB.format(label="thumbs down", fill="#c62828", turn=' transform="rotate(180)"')
UP_COLOUR, DOWN_COLOUR, BAR_COLOUR = "#2e7d32", "#c62828", "#4a7bd0"


def _html_text(text: str) -> str:
    """Escaped text with the thumbs drawn, not left to a font."""
    return html.escape(text).replace("👍", THUMB_UP).replace("👎", THUMB_DOWN)


def _bar_chart(title: str, axis: list[str], series: list[tuple[dict, str]], percent: bool = False) -> str:
    """An SVG bar chart on the shared date axis: one group of bars per day (one bar per series),
    each bar's value written on it or above it. Self-contained, no script."""
    esc = html.escape
    n = max(1, len(axis))
    groups = len(series)
    w = max(640, min(1600, 60 + n * (22 * groups + 10)))
    h, pad_l, pad_b, pad_t = 240, 36, 40, 22
    out = [f'<figure class="chart"><figcaption>{esc(title)}</figcaption>',
           f'<svg role="img" aria-label="{esc(title)}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Liberation Sans, sans-serif">',
           f'<line x1="{pad_l}" y1="{h - pad_b}" x2="{w - 8}" y2="{h - pad_b}" stroke="#888"/>']
    values = [v for data, _ in series for v in data.values() if v is not None]
    if not axis or not values:
        out.append(f'<text x="{w // 2}" y="{h // 2}" text-anchor="middle" fill="#666">{esc(chr(8212))}</text>')
    else:
        top = 1.0 if percent else (max(values) or 1)
        slot = (w - pad_l - 8) / n
        bw = max(3.0, slot * 0.8 / groups)
        every = 1 if n <= 16 else math.ceil(n / 16)
        for i, day in enumerate(axis):
            x0 = pad_l + i * slot + (slot - bw * groups) / 2
            for g, (data, colour) in enumerate(series):
                v = data.get(day)
                if v is None:
                    continue
                bh = (h - pad_b - pad_t) * (v / top)
                x = x0 + g * bw
                label = f"{round(100 * v)}%" if percent else str(v)
                out.append(f'<rect class="bar" x="{x:.1f}" y="{h - pad_b - bh:.1f}" width="{bw - 1:.1f}" height="{bh:.1f}" '
                           f'fill="{colour}"><title>{esc(day)}: {esc(label)}</title></rect>')
                cx, cy = x + (bw - 1) / 2, h - pad_b - bh - 4
                if bw >= 7 * len(label) * 0.62 + 2:  # fits horizontally above the bar
                    out.append(f'<text class="value" x="{cx:.1f}" y="{cy:.1f}" font-size="11" text-anchor="middle" '
                               f'fill="#222">{esc(label)}</text>')
                else:  # a narrow bar: the value written upwards above it
                    out.append(f'<text class="value" x="{cx + 3.5:.1f}" y="{cy:.1f}" font-size="10" '
                               f'transform="rotate(-90 {cx + 3.5:.1f} {cy:.1f})" fill="#222">{esc(label)}</text>')
            if i % every == 0:
                out.append(f'<text x="{pad_l + i * slot + slot / 2:.1f}" y="{h - pad_b + 14}" font-size="10" '
                           f'text-anchor="middle" fill="#444">{esc(day[5:])}</text>')
    out.append("</svg></figure>")
    return "\n".join(out)


def to_html(r: dict, lang: str = "en") -> str:
    esc = html.escape
    text = to_text(r, lang).split("\n")
    kpis = "".join(f"<li>{_html_text(x)}</li>" for x in text[1:8])
    axis = r.get("days_axis") or sorted(set(r["questions_per_day"]) | set(r["satisfaction_per_day"]))
    votes = r.get("votes_per_day") or {}
    charts = "\n".join([
        _bar_chart(t("report.chart_questions", lang), axis, [(r["questions_per_day"], BAR_COLOUR)]),
        _bar_chart(t("report.chart_answered", lang), axis, [(r["answered_share_per_day"], BAR_COLOUR)], percent=True),
        _bar_chart(t("report.chart_votes", lang), axis, [({d: v["up"] for d, v in votes.items()}, UP_COLOUR),
                                                         ({d: v["down"] for d, v in votes.items()}, DOWN_COLOUR)]),
        _bar_chart(t("report.chart_satisfaction", lang), axis, [(r["satisfaction_per_day"], UP_COLOUR)], percent=True),
    ])
    legend = (f'<p class="legend">{THUMB_UP} {esc(t("report.legend_up", lang))} &#160; '
              f'{THUMB_DOWN} {esc(t("report.legend_down", lang))}</p>')
    rows = "".join(
        f"<tr><td>{esc(p)}</td><td>{f['questions']}</td><td>{esc(_pct(f['answered_share'], lang))}</td><td>{f['taught']}</td>"
        f"<td>{f['smalltalk']}</td><td>{esc(_pct(f['satisfaction'], lang))} ({f['votes_up']} {THUMB_UP} / {f['votes_down']} {THUMB_DOWN})</td>"
        f"<td>{f['open_tickets']} / {f['tickets_total']}</td></tr>"
        for p, f in (r.get("platforms") or {}).items())
    heads = "".join(f"<th>{esc(t(k, lang))}</th>" for k in (
        "report.col_platform", "report.col_questions", "report.col_answered", "report.col_taught", "report.col_smalltalk",
        "report.col_satisfaction", "report.col_tickets"))
    platforms = f'<h2>{esc(t("report.per_platform", lang))}</h2><table class="platforms"><tr>{heads}</tr>{rows}</table>' if rows else ""
    groups = []
    for c in r["unanswered_groups"]:
        item = esc(t("report.cluster", lang, n=c["count"], people=c.get("people", 1), example=c["example"]))
        if c.get("closest"):
            item += "<br><small>" + esc(t("report.closest", lang, topics=_topics_text(c["closest"]),
                                         command=f"/teach {c['closest'][0]['topic']} {c['example']}")) + "</small>"
        groups.append(f"<li>{item}</li>")
    open_rows = "".join(
        f"<tr><td>#{tk['id']}</td><td>{esc(tk['platform'])}</td><td>{esc(age_text(tk['age_seconds'], lang))}</td>"
        f"<td>{esc(tk['question'])}</td></tr>" for tk in r.get("open_ticket_list") or ())
    tickets = (f'<h2>{esc(t("report.open_list", lang))}</h2><table class="tickets">{open_rows}</table>' if open_rows else "")
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(text[0])}</title>
<style>body{{font-family:"DejaVu Sans","Liberation Sans",sans-serif;margin:2rem;max-width:72rem}}figure{{margin:1.5rem 0}}
figcaption{{font-weight:600;margin-bottom:.4rem}}li{{margin:.2rem 0}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}}svg{{max-width:100%;height:auto}}
svg.thumb{{max-width:none}}</style></head>
<body><h1>{esc(text[0])}</h1><ul class="kpis">{kpis}</ul>
{platforms}
{legend}
{charts}
<h2>{esc(t("report.unanswered", lang))}</h2><ol class="unanswered">{"".join(groups)}</ol>
{tickets}
<p><small>{esc(r["generated_at"])}</small></p></body></html>
"""
