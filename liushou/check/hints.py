"""The did-you-mean hints of the reference findings (LS201, LS202, LS203), each worked out once."""

from __future__ import annotations

from liushou.findings import closest_name, one_edit_apart, shown
from liushou.load.model import Repository

# At most this many ids are listed when several children share the name written as an id.
_LISTED = 3
# An id shorter than this (c1, c2) is one slip from too many others to guess which was meant.
_GUESSED_ID = 4


class ReferenceHints:
    """Hints for unknown staff names and child ids of one repository.

    Everything is built on first use and remembered per value: a log at county scale may
    repeat one wrong value in thousands of rows, and most repositories need no hint at all.
    """

    def __init__(self, repo: Repository):
        self.repo = repo
        self._staff: dict[str, str] = {}
        self._child: dict[str, str] = {}
        self._names: dict[str, list[str]] | None = None
        self._ids: _Near | None = None
        self._near_names: _Near | None = None

    def staff(self, name: str) -> str:
        """The hint "，是否想写 何丽？" for a name one slip from a staff name, else ""."""
        if name not in self._staff:
            close = closest_name(name, self.repo.settings.staff)
            self._staff[name] = f"，是否想写 {shown(close)}？" if close else ""
        return self._staff[name]

    def child(self, value: str) -> str:
        """The hint for a child id that names no record: the value is a child's name (the
        teacher wrote 王小宇 where the id belongs), or one slip from an id or a name."""
        if value not in self._child:
            self._child[value] = self._child_hint(str(value).strip())
        return self._child[value]

    def _child_hint(self, value: str) -> str:
        names = self._by_name()
        ids = names.get(value)
        if ids:
            if len(ids) == 1:
                return f"：{shown(value)} 是 {shown(ids[0])} 的姓名，此处应填学号"
            more = "等" if len(ids) > _LISTED else ""
            listed = "、".join(shown(i) for i in ids[:_LISTED]) + more
            return f"：有 {len(ids)} 名儿童叫 {shown(value)}（{listed}），此处应填其中一人的学号"
        if self._ids is None:
            self._ids = _Near([*self.repo.children, *sorted(self.repo.unreadable_ids)])
        close = self._ids.one(value) if len(value) >= _GUESSED_ID else None
        if close is not None:
            return f"，是否想写 {shown(close)}？"
        if self._near_names is None:
            self._near_names = _Near(names)
        close = self._near_names.one(value)
        if close is not None and len(names[close]) == 1:
            return f"，是否指 {shown(close)}（学号 {shown(names[close][0])}）？此处应填学号"
        return ""

    def _by_name(self) -> dict[str, list[str]]:
        if self._names is None:
            self._names = {}
            for child in self.repo.children.values():
                name = child.get("name")
                if isinstance(name, str) and name.strip():
                    self._names.setdefault(name.strip(), []).append(child.id)
        return self._names


class _Near:
    """Finds the one word of a large set that is a single slip from a given word.

    Each word is indexed under itself and every form with one character dropped, so any word one
    edit away shares an index entry with it; the candidates are then checked exactly.
    """

    def __init__(self, words):
        self.index: dict[str, set[str]] = {}
        for word in words:
            for form in _drops(word):
                self.index.setdefault(form, set()).add(word)

    def one(self, word: str) -> str | None:
        found = {
            known
            for form in _drops(word)
            for known in self.index.get(form, ())
            if one_edit_apart(word, known)
        }
        return found.pop() if len(found) == 1 else None


def _drops(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}
