"""What the CLI tells the user on stderr: the timing table, `--timings json`, progress, errors."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Stage:
    name: str
    seconds: float
    amount: float = 0.0  # bytes, samples or pixels processed
    unit: str = ""
    detail: str = ""


@dataclass
class Timings:
    """Wall time of each stage of one command, reported once at the end."""

    command: str
    quiet: bool = False
    json_output: bool = False
    stages: list[Stage] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    @contextmanager
    def stage(self, name: str, amount: float = 0.0, unit: str = "", detail: str = "",
              show_progress: bool = True) -> Iterator[Stage]:
        """Time a block; the yielded Stage may be given its amount and detail inside it.
        ``show_progress=False`` for a block that draws its own progress or live output."""
        record = Stage(name, 0.0, amount, unit, detail)
        begin = time.perf_counter()
        enabled = show_progress and not self.quiet and not self.json_output
        with progress(f"{name}…", enabled=enabled):
            yield record
        record.seconds = time.perf_counter() - begin
        self.stages.append(record)

    def load(self) -> None:
        """Import what :meth:`report` renders with (rich: 24 ms), ahead of it."""
        if not (self.quiet or self.json_output):
            import rich.console  # noqa: F401
            import rich.table  # noqa: F401

    def report(self) -> None:
        total = time.perf_counter() - self.started
        if self.json_output:
            payload = {
                "command": self.command,
                "total_seconds": round(total, 6),
                "stages": {
                    s.name: {"seconds": round(s.seconds, 6), "amount": s.amount,
                             "unit": s.unit, "detail": s.detail}
                    for s in self.stages
                },
                **self.facts,
            }
            sys.stderr.write(json.dumps(payload) + "\n")
            return
        if self.quiet:
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"convcli {self.command}", title_justify="left", box=None,
                      header_style="bold")
        table.add_column("stage")
        table.add_column("time", justify="right")
        table.add_column("throughput", justify="right")
        table.add_column("detail")
        for s in self.stages:
            table.add_row(s.name, _duration(s.seconds), _rate(s.amount, s.unit, s.seconds),
                          s.detail)
        table.add_row("[bold]total", f"[bold]{_duration(total)}", "", "")
        Console(stderr=True).print(table)


def _duration(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _rate(amount: float, unit: str, seconds: float) -> str:
    if not amount or seconds <= 0:
        return ""
    rate = amount / seconds
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1, "")):
        if rate >= scale:
            return f"{rate / scale:.1f} {prefix}{unit}/s"
    return f"{rate:.2f} {unit}/s"


@contextmanager
def progress(label: str, enabled: bool = True, delay: float = 1.0) -> Iterator[None]:
    """A transient progress bar (pulsing, with elapsed time) on stderr when the work lasts more
    than ``delay`` seconds and stderr is a terminal; nothing otherwise: pipes and logs stay
    clean."""
    if not enabled or not sys.stderr.isatty():
        yield
        return
    done = threading.Event()
    shown: list[object] = []

    def show() -> None:
        if done.wait(delay):
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                       console=Console(stderr=True), transient=True)
        bar.add_task(label, total=None)
        bar.start()
        shown.append(bar)

    watcher = threading.Thread(target=show, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        for bar in shown:
            bar.stop()


def error(message: str) -> None:
    """The one line a user sees for a failure."""
    sys.stderr.write(f"convcli: error: {message}\n")


def warning(message: str) -> None:
    """One line for something a user should know that is not a failure."""
    sys.stderr.write(f"convcli: warning: {message}\n")
