#!/usr/bin/env python3
"""Extract the lessons of docs/teaching.md into lessons.json for the browser lab.

A lesson is a section whose heading starts with its number and names its scenarios in backticks:
`## N. `name` — title`, `## N. Title (`a`, `b`)`, or a numbered subsection `### Na. `a` and `b` —
title` (which ends the lesson above it). It becomes {"number", "title", "html"} under each scenario
it names. With a scenarios directory, a bundled scenario that no heading names gets the first lesson
whose text names it in backticks (a variant discussed inside another lesson), and a scenario no
lesson mentions is an error: every lesson of the browser lab has its text.
`## How to read a figure` becomes "how-to-read". Figures are left out (the page draws the panels
itself); links to other files of the repository keep only their text.

Usage: lessons.py docs/teaching.md [scenarios/] > lessons.json
"""
import os
import html
import json
import re
import sys

HEAD = re.compile(r"^(##|###) (\d+[a-z]?)\. (.*)$")
NAME = re.compile(r"`([a-z0-9][a-z0-9-]*)`")


def inline(text):
    out = html.escape(text, quote=False)
    out = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", out)
    out = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r'<a href="\2">\1</a>', out)
    out = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<![*\w])\*([^*\s][^*]*)\*(?![*\w])", r"<em>\1</em>", out)
    return out


def to_html(lines):
    out, para, i = [], [], 0

    def flush():
        if para:
            out.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s.startswith("```"):
            flush()
            code = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            out.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
        elif s.startswith("!["):
            flush()
        elif s.startswith("### "):
            flush()
            out.append("<h3>" + inline(s[4:]) + "</h3>")
        elif s.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            i -= 1
            t = ["<table>"]
            for k, r in enumerate(rows):
                tag = "th" if k == 0 else "td"
                t.append("<tr>" + "".join(f"<{tag}>{inline(c)}</{tag}>" for c in r) + "</tr>")
            t.append("</table>")
            out.append("".join(t))
        elif re.match(r"^(- |\d+\. )", s):
            flush()
            ordered = not s.startswith("- ")
            items = []
            while i < len(lines) and lines[i].strip():
                t = lines[i].strip()
                if re.match(r"^(- |\d+\. )", t):
                    items.append(re.sub(r"^(- |\d+\. )", "", t))
                else:
                    items[-1] += " " + t
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{inline(x)}</li>" for x in items) + f"</{tag}>")
            continue
        elif not s:
            flush()
        else:
            para.append(s)
        i += 1
    flush()
    return "\n".join(out)


def main(path, scenarios=None):
    sections, cur, body = [], None, []

    def close():
        if cur:
            cur["body"] = list(body)
            sections.append(cur)

    for line in open(path, encoding="utf-8").read().splitlines():
        m = HEAD.match(line)
        names = NAME.findall(m.group(3)) if m else []
        if line.startswith("## ") or (m and names):
            close()
            body = []
            if m and names:
                title = re.sub(r"\s*\(`[^)]*\)\s*$", "", m.group(3)).replace("`", "")
                cur = {"keys": names, "number": m.group(2), "title": f"{m.group(2)}. {title}"}
            elif line.strip() == "## How to read a figure":
                cur = {"keys": ["how-to-read"], "number": "0", "title": "How to read the panels"}
                body.append("### How to read the panels")
            else:
                cur = None
            continue
        if cur:
            body.append(line)
    close()

    lessons = {}
    for sec in sections:
        entry = {"number": sec["number"], "title": sec["title"], "html": to_html(sec["body"])}
        for k in sec["keys"]:
            lessons.setdefault(k, entry)
    if scenarios:
        bundled = sorted(f[:-5] for f in os.listdir(scenarios) if f.endswith(".toml"))
        missing = []
        for name in bundled:
            if name in lessons:
                continue
            sec = next((s for s in sections if f"`{name}`" in "\n".join(s["body"])), None)
            if sec is None:
                missing.append(name)
            else:
                lessons[name] = {"number": sec["number"], "title": sec["title"], "html": to_html(sec["body"])}
        if missing:
            sys.exit(f"{path}: no lesson names the bundled scenario(s) {', '.join(missing)} in backticks")
    json.dump(lessons, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
