"""The page itself: one self-contained HTML file (inline CSS and a small inline script, nothing fetched).

Every string that comes from the peer or the wire (names, values, certificate subjects, alert texts, the causes
of failures) goes through :func:`esc`; the page's Content-Security-Policy forbids any fetch, so even a mistake
here could not load anything.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from glasstls.explain import Explanation
from glasstls.page.keys import Stage
from glasstls.page.model import MessageView, Picture, RecordView, version_words
from glasstls.trace.events import TraceEvent
from glasstls.wire.spans import Span

__all__ = ["PageInput", "esc", "render_page"]


def esc(text: object) -> str:
    """``text`` safe in HTML text and in a quoted attribute."""
    return html.escape(str(text), quote=True)


@dataclass
class PageInput:
    """What a page shows. ``secrets_note``: why secret values are (or are not) on the page."""

    title: str
    picture: Picture
    trace: Sequence[TraceEvent]
    stages: list[Stage]
    secrets_note: str
    outcome: str
    explanation: Explanation | None = None


_CSS = """
:root{--c:#1f6feb;--s:#8250df;--ok:#1a7f37;--bad:#cf222e;--bg:#fff;--fg:#1f2328;--mut:#656d76;--sel:#ffd33d}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;
  color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
.mut{color:var(--mut)}.ok{color:var(--ok)}.bad{color:var(--bad)}
.banner{padding:10px 14px;border-radius:6px;margin:10px 0;border:1px solid #d0d7de;background:#f6f8fa}
.banner.fail{border-color:var(--bad);background:#ffebe9}
table.ladder{border-collapse:collapse;width:100%}
table.ladder td{padding:2px 6px;vertical-align:middle}
td.side{width:90px;text-align:center;font-weight:600}
td.lane{border-left:3px solid var(--c);border-right:3px solid var(--s)}
tr.rec td.lane{border-top:1px dashed #d0d7de}
.arrow{position:relative;height:22px;margin:2px 0}
.arrow .line{position:absolute;top:11px;left:0;right:0;border-top:2px solid var(--c)}
.arrow.s2c .line{border-color:var(--s)}
.arrow.c2s .line::after{content:"";position:absolute;right:-1px;top:-7px;border:6px solid transparent;
  border-left:10px solid var(--c)}
.arrow.s2c .line::before{content:"";position:absolute;left:-1px;top:-7px;border:6px solid transparent;
  border-right:10px solid var(--s)}
.arrow .lab.bad{color:var(--bad)}
.arrow .lab{position:relative;background:var(--bg);padding:0 6px;margin-left:24px;cursor:pointer}
.arrow.s2c .lab{float:right;margin-right:24px}
.recl{font-size:12px;color:var(--mut)}
.lock{font-size:11px;border:1px solid #d0d7de;border-radius:4px;padding:0 3px;margin-left:4px}
.rec-box{border:1px solid #d0d7de;border-radius:6px;margin:12px 0;padding:8px}
.rec-box h3{font-size:14px;margin:0 0 6px}
.cols{display:flex;gap:14px;align-items:flex-start;flex-wrap:wrap}
.hex{font:12px/1.6 ui-monospace,Menlo,Consolas,monospace;width:50ch;word-spacing:0;flex:none}
.hex span{cursor:pointer;border-radius:2px}
.hex span:nth-child(odd){background:#eef4ff}.hex span:nth-child(even){background:#fff4e5}
.hex span.hdr{background:#e7e9eb}
.fields{border-collapse:collapse;font-size:12px;flex:1;min-width:420px}
.fields td{padding:1px 6px;border-bottom:1px solid #eee;vertical-align:top}
.fields tr{cursor:pointer}.fields tr.mh td{background:#f6f8fa;font-weight:600;cursor:default}
.fields td.v{font-family:ui-monospace,Menlo,monospace;word-break:break-all}
.sel,.hex span.sel,.fields tr.sel td{background:var(--sel)!important}
.msel{outline:2px solid var(--sel)}
.ks{display:flex;flex-direction:column;gap:4px}
.ksrow{display:flex;gap:8px}
.stage{border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;flex:1;min-width:0}
.stage.no{opacity:.45;border-style:dashed}
.stage .v{font-family:ui-monospace,Menlo,monospace;word-break:break-all;font-size:12px}
.down{margin-left:30px;color:var(--mut)}
ul.checks{list-style:none;padding-left:0}ul.checks li{padding:2px 0}
li.failstep{background:#ffebe9;border-left:4px solid var(--bad);padding-left:6px}
details{margin:6px 0}
"""

_SCRIPT = """
(function(){
  function clear(c){document.querySelectorAll('.'+c).forEach(function(e){e.classList.remove(c);});}
  document.addEventListener('click',function(ev){
    var f=ev.target.closest('[data-f]');
    if(f){clear('sel');document.querySelectorAll('[data-f="'+f.getAttribute('data-f')+'"]').forEach(
      function(e){e.classList.add('sel');});return;}
    var m=ev.target.closest('[data-m]');
    if(m){clear('msel');var all=document.querySelectorAll('.rec-box [data-m="'+m.getAttribute('data-m')+'"]');
      all.forEach(function(e){e.classList.add('msel');});
      if(all.length){all[0].scrollIntoView({block:'center'});}}
  });
  if(location.hash==='#selftest'){
    /* tests/test_page_browser.py: a field's bytes select its row, a row selects its bytes */
    var hex=document.querySelector('.hex [data-f]'),rows=document.querySelectorAll('tr[data-f]');
    var ok=false;
    if(hex&&rows.length>5){
      hex.click();
      var one=document.querySelector('tr[data-f="'+hex.getAttribute('data-f')+'"]').classList.contains('sel');
      rows[5].click();
      var two=document.querySelector('.hex [data-f="'+rows[5].getAttribute('data-f')+'"]').classList.contains('sel');
      ok=one&&two&&!hex.classList.contains('sel');
    }
    document.body.setAttribute('data-selftest',ok?'ok':'failed');
  }
})();
"""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _ladder(picture: Picture) -> str:
    """One arrow per message in each record it has bytes in, grouped by record (wire order)."""
    rows: list[str] = []
    for record in picture.records:
        direction = "c2s" if record.sender == "client" else "s2c"
        lock = '<span class="lock">encrypted</span>' if record.encrypted else '<span class="lock">plaintext</span>'
        rows.append(
            f'<tr class="rec"><td class="side"></td><td class="lane"><div class="recl">record #{record.index} · '
            f"{len(record.raw)} bytes · {esc(record.content_type)} {lock} · at {_ms(record.time)}</div></td>"
            '<td class="side"></td></tr>'
        )
        for index in record.messages:
            message = picture.messages[index]
            part = ""
            if len(message.records) > 1:
                part = f" (part {message.records.index(record.index) + 1} of {len(message.records)})"
            bad = " bad" if message.error or message.name.startswith("alert fatal") else ""
            rows.append(
                f'<tr><td class="side"></td><td class="lane"><div class="arrow {direction}"><div class="line"></div>'
                f'<span class="lab msg{bad}" data-m="{index}"><b>{esc(message.name)}</b>{esc(part)} · '
                f"{message.size} bytes{' · encrypted' if message.encrypted else ''}</span></div></td>"
                '<td class="side"></td></tr>'
            )
    head = (
        '<tr><td class="side" style="color:var(--c)">client</td><td></td>'
        '<td class="side" style="color:var(--s)">server</td></tr>'
    )
    return f'<table class="ladder">{head}{"".join(rows)}</table>'


def _hex_and_fields(
    record: RecordView, leaves: list[tuple[Span, int]], data: bytes, key: str, messages: list[MessageView]
) -> str:
    hexes: list[str] = []
    rows: list[str] = []
    current = -2
    for k, (span, owner) in enumerate(leaves):
        fid = f"{key}.{k}"
        chunk = " ".join(f"{b:02x}" for b in data[span.offset : span.end])
        cls = ' class="hdr"' if owner < 0 and span.name != "encrypted_record" else ""
        title = esc(f"{span.name}: {span.value}")
        mattr = f' data-m="{owner}"' if owner >= 0 else ""
        hexes.append(f'<span{cls} data-f="{fid}"{mattr} title="{title}">{chunk}</span> ')
        if owner != current:
            current = owner
            label = "record header" if owner < 0 else messages[owner].name
            section = "" if owner < 0 else messages[owner].section
            rows.append(
                f'<tr class="mh"><td colspan="4">{esc(label)} <span class="mut">{esc(section)}</span></td></tr>'
            )
        rows.append(
            f'<tr data-f="{fid}"><td>{span.offset}+{span.length}</td><td>{esc(span.name)}</td>'
            f'<td class="v">{esc(span.value)}</td><td class="mut">{esc(span.section)}</td></tr>'
        )
    return (
        f'<div class="cols"><div class="hex">{"".join(hexes)}</div>'
        '<table class="fields"><tr><th>at+len</th><th>field</th><th>value</th><th>RFC</th></tr>'
        f"{''.join(rows)}</table></div>"
    )


def _records(picture: Picture) -> str:
    out: list[str] = []
    for record in picture.records:
        arrow = "client → server" if record.sender == "client" else "server → client"
        state = "encrypted" if record.encrypted else "plaintext"
        err = f'<div class="bad">this record failed: {esc(record.error)}</div>' if record.error else ""
        body = _hex_and_fields(record, record.leaves, record.raw, f"r{record.index}", picture.messages)
        inner = ""
        if record.encrypted and record.content is not None and record.content_leaves:
            inner = f"<h4>its content once decrypted ({len(record.content)} bytes)</h4>" + _hex_and_fields(
                record, record.content_leaves, record.content, f"d{record.index}", picture.messages
            )
        elif record.encrypted:
            inner = '<p class="mut">application data: its content is not kept (it is yours, not the protocol\'s).</p>'
        out.append(
            f'<section class="rec-box" id="rec-{record.index}"><h3>record #{record.index} · {arrow} · '
            f"{len(record.raw)} bytes · {esc(record.content_type)} · {state} · at {_ms(record.time)}</h3>"
            f"{err}{body}{inner}</section>"
        )
    return "".join(out)


def _stage(stage: Stage) -> str:
    value = ""
    if stage.value is not None:
        value = f'<div class="v">{esc(stage.keylog)} = {esc(stage.value)}</div>'
    elif stage.keylog:
        value = f'<div class="mut">value: not shown (key log label {esc(stage.keylog)})</div>'
    reached = "" if stage.reached else ' <span class="mut">(not reached)</span>'
    return (
        f'<div class="stage{"" if stage.reached else " no"}"><b>{esc(stage.name)}</b>{reached}<br>'
        f'<span class="mut">from</span> {esc(stage.inputs)}: {esc(stage.how)} <span class="mut">'
        f"({esc(stage.section)})</span>{value}</div>"
    )


def _stages(stages: list[Stage]) -> str:
    """Top to bottom; the secrets derived from the same stage side by side (the schedule's branches)."""
    rows: list[list[Stage]] = []
    for stage in stages:
        if rows and rows[-1][0].inputs == stage.inputs and len(rows[-1]) < 4:
            rows[-1].append(stage)
        else:
            rows.append([stage])
    out = [
        ('<div class="down">↓</div>' if i else "") + f'<div class="ksrow">{"".join(_stage(s) for s in row)}</div>'
        for i, row in enumerate(rows)
    ]
    return f'<div class="ks">{"".join(out)}</div>'


def _checks(trace: Sequence[TraceEvent], explanation: Explanation | None) -> str:
    items: list[str] = []
    for event in trace:
        if event.kind != "check":
            continue
        mark = '<span class="ok">✓</span>' if event.ok else '<span class="bad">✗</span>'
        cls = ' class="failstep"' if event.ok is False else ""
        items.append(f"<li{cls}>{mark} <b>{esc(event.step)}</b>: {esc(event.summary)}</li>")
    if explanation is not None:
        rows = "".join(f"<div><b>{esc(label)}:</b> {esc(text)}</div>" for label, text in explanation.rows())
        items.append(f'<li class="failstep"><span class="bad">✗</span> <b>{esc(explanation.step)}</b>{rows}</li>')
    if not items:
        items.append('<li class="mut">no checks were made</li>')
    return f'<ul class="checks">{"".join(items)}</ul>'


def _steps(trace: Sequence[TraceEvent]) -> str:
    rows = "".join(
        f"<tr><td>{_ms(e.time)}</td><td>{esc(e.side)}</td><td>{esc(e.kind)}</td><td>{esc(e.step)}</td>"
        f"<td>{esc(e.summary)}</td></tr>"
        for e in trace
    )
    summary = f"<summary>every step of the trace ({len(trace)})</summary>"
    return f'<details>{summary}<table class="fields">{rows}</table></details>'


def render_page(page: PageInput) -> str:
    """The whole HTML document."""
    picture = page.picture
    failed = page.explanation is not None
    banner_rows = [f"<div><b>{esc(page.outcome)}</b></div>"]
    if page.explanation is not None:
        banner_rows += [f"<div><b>{esc(label)}:</b> {esc(text)}</div>" for label, text in page.explanation.rows()]
    dropped = (
        f'<p class="mut">{picture.dropped_records} later records were not kept (the page keeps the first ones).</p>'
        if picture.dropped_records
        else ""
    )
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(page.title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(page.title)}</h1>"
        f'<p class="mut">As the {esc(picture.side)} saw it: {len(picture.records)} records, '
        f"{len(picture.messages)} messages{', ' + esc(version_words(picture.version)) if picture.version else ''}. "
        "Click a message to find its bytes; click a byte range or a field to see both.</p>"
        f'<div class="banner{" fail" if failed else ""}" id="outcome">{"".join(banner_rows)}</div>'
        "<h2>The messages, in wire order</h2>"
        f'<div id="ladder">{_ladder(picture)}</div>{dropped}'
        "<h2>Checks</h2>"
        f'<div id="checks">{_checks(page.trace, page.explanation)}</div>'
        "<h2>The key schedule</h2>"
        f'<p class="banner">{esc(page.secrets_note)}</p>'
        f'<div id="keys">{_stages(page.stages)}</div>'
        "<h2>Every byte</h2>"
        f'<div id="records">{_records(picture)}</div>'
        f"<h2>The trace</h2>{_steps(page.trace)}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
