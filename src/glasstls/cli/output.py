"""How the CLI prints: rich trees and tables with colour on a terminal, plain text when piped, JSON on request.

One :class:`Output` per stream. It decides once: a terminal gets ``rich`` (colour, trees, panels; ``NO_COLOR``
is honoured by rich), anything else gets plain lines that are stable to grep. Printing is serialised by a lock,
so that the server's connection threads do not interleave their lines.

When the reader goes away (``glasstls demo | head -1``), a write raises :class:`OutputClosed` once, after the
stream's file descriptor was pointed at /dev/null (so that later writes and the flush at exit stay silent); the
command stops quietly, as Unix tools do when their pipe closes.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from glasstls.explain import Explanation
from glasstls.trace.render import Line, Section, render_plain

__all__ = ["Output", "OutputClosed", "silence"]

_RICH_MARK = {"ok": "[green]✓[/green] ", "fail": "[bold red]✗[/bold red] ", "warn": "[yellow]![/yellow] "}


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class OutputClosed(Exception):
    """The reader of an output stream went away (a closed pipe): the command should stop quietly."""


def silence(stream: object) -> None:
    """Point ``stream``'s file descriptor at /dev/null: what is still buffered, and any later write, goes
    nowhere instead of raising BrokenPipeError again (at the latest when Python flushes it at exit)."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return  # not a real file (a StringIO in tests): nothing to redirect
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class Output:
    """A printer for one stream (default: stdout). ``rich_output``: force rich on or off (None: auto)."""

    def __init__(self, stream: TextIO | None = None, *, rich_output: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.rich = _is_terminal(self.stream) if rich_output is None else rich_output
        self._lock = threading.RLock()
        self._console: object | None = None
        if self.rich:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False)

    # -- primitives ------------------------------------------------------------------------------------

    def _rich(self, *renderables: object) -> None:
        from rich.console import Console

        assert isinstance(self._console, Console)
        try:
            self._console.print(*renderables)
        except BrokenPipeError:
            self._closed()

    def _plain(self, text: str) -> None:
        self._write(text + "\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self._closed()

    def _closed(self) -> None:
        silence(self.stream)
        raise OutputClosed(getattr(self.stream, "name", "output")) from None

    @staticmethod
    def _escape(text: str) -> str:
        from rich.markup import escape

        return escape(text)

    def line(self, text: str = "", style: str | None = None) -> None:
        with self._lock:
            if self.rich:
                markup = self._escape(text)
                self._rich(f"[{style}]{markup}[/{style}]" if style and text else markup)
            else:
                self._plain(text)

    def heading(self, text: str) -> None:
        with self._lock:
            if self.rich:
                from rich.rule import Rule

                self._rich(Rule(self._escape(text), style="cyan"))
            else:
                self._plain(f"== {text} ==")

    def info(self, text: str) -> None:
        self.line(text, "dim")

    def success(self, text: str) -> None:
        self.line(text, "bold green")

    def warning(self, text: str) -> None:
        with self._lock:
            if self.rich:
                self._rich(f"[bold yellow]WARNING:[/bold yellow] {self._escape(text)}")
            else:
                self._plain(f"WARNING: {text}")

    def json(self, document: object) -> None:
        with self._lock:
            self._write(json.dumps(document, indent=2, default=str) + "\n")

    # -- tables, stories, explanations --------------------------------------------------------------------

    def table(self, rows: Sequence[tuple[str, str]], title: str | None = None) -> None:
        with self._lock:
            if self.rich:
                from rich.table import Table

                table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
                table.add_column(style="bold")
                table.add_column()
                for label, value in rows:
                    table.add_row(self._escape(label), self._escape(value))
                self._rich(table)
            else:
                if title:
                    self._plain(title)
                width = max((len(label) for label, _ in rows), default=0)
                for label, value in rows:
                    self._plain(f"  {label.ljust(width)}  {value}")

    def story(self, sections: Sequence[Section], *, about: bool = True) -> None:
        """The explained handshake (see glasstls.trace.render)."""
        with self._lock:
            if not self.rich:
                self._plain(render_plain(sections, about=about).rstrip("\n"))
                return
            from rich.tree import Tree

            for number, section in enumerate(sections, 1):
                colour = "red" if section.failed else "cyan"
                timing = f"+{section.start * 1000:.2f} ms, took {section.duration * 1000:.2f} ms"
                head = f"[bold {colour}]{number}. {self._escape(section.title)}[/bold {colour}]  [dim]{timing}[/dim]"
                if about:
                    head += f"\n[italic dim]{self._escape(section.about)}[/italic dim]"
                tree = Tree(head, guide_style="dim")
                self._add(tree, section.lines)
                self._rich(tree)
                self._rich("")

    def _add(self, tree: object, lines: Sequence[Line]) -> None:
        from rich.tree import Tree

        assert isinstance(tree, Tree)
        for line in lines:
            style = "red" if line.status == "fail" else None
            text = self._escape(line.text)
            label = _RICH_MARK.get(line.status or "", "") + (f"[{style}]{text}[/{style}]" if style else text)
            child = tree.add(label)
            self._add(child, line.children)

    def explanation(self, explanation: Explanation, title: str = "connection failed") -> None:
        """A failure: the step, the cause in plain words, what to try."""
        with self._lock:
            rows = explanation.rows()
            if self.rich:
                from rich.panel import Panel
                from rich.table import Table

                table = Table(show_header=False, box=None, pad_edge=False)
                table.add_column(style="bold", no_wrap=True)
                table.add_column()
                for label, value in rows:
                    table.add_row(label, self._escape(value))
                self._rich(Panel(table, title=f"[bold red]{self._escape(title)}[/bold red]", border_style="red"))
            else:
                self._plain(f"{title}:")
                for label, value in rows:
                    self._plain(f"  {label}: {value}")
