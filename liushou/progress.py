"""Progress on long work: the callback the loader calls, and a bar drawing it on a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

# progress(stage, done, total), called during long work such as reading a county's records
Progress = Callable[[str, int, int], None]


@contextlib.contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A progress callback drawing a bar on stderr while loading, or None when stderr is not a
    terminal (CI logs and pipes get no control codes)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    labels = {"children": "读取儿童档案"}
    tasks: dict[str, int] = {}
    with Bar(transient=True, console=Console(stderr=True)) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done)

        yield update
