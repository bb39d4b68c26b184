"""Chinese for the words that Typer and its vendored Click print themselves (help and errors).

Typer 0.29 vendors Click as `typer._click`, whose strings are plain f-strings (no gettext), while
typer.core and typer.rich_utils call `gettext.gettext` once (module constants) or per call (`_`).
So the translation is installed once, at import, in four small places:

- rich_utils' module constants (panel titles, "[default: …]", "Try … for help") are replaced;
- typer.core's `_` becomes a lookup in ZH (section titles, "No such command", "Aborted!");
- the usage line ("Usage: … [OPTIONS]") and the help option's text are rewritten where built;
- an error's message is passed through ERRORS (regular expressions over Click's English
  sentences) just before rich prints it, and a flag shows no type (`--strict`, not `<bool>`).

Only the strings this CLI can reach are covered; an unknown one stays English, never breaks.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys

from typer import _click, core
from typer._click import exceptions, formatting

ZH = {
    "Commands": "命令",
    "Arguments": "参数",
    "Options": "选项",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
}

RICH_CONSTANTS = {
    "DEPRECATED_STRING": "（已弃用）",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}

TYPE_NAMES = {"str": "文本", "int": "整数", "float": "数字", "path": "路径", "Path": "路径"}
TYPE_WORDS = re.compile(r"\b(str|int|float|path|Path|list)\b")

# Click's error sentences, in the order tried; each is applied at most once.
ERRORS = [
    (r"No such option: (\S+)", r"没有选项 \1"),
    (r"\(Possible options: (.*)\)", r"（您是不是要输入：\1）"),
    (r"Missing option (.+?)\.", r"缺少选项 \1。"),
    (r"Missing argument (.+?)\.", r"缺少参数 \1。"),
    (r"Missing parameter(.*?)\.", r"缺少参数\1。"),
    (r"Invalid value for (.+?): ", r"\1 的值无效："),
    (r"Invalid value: ", r"值无效："),
    (r"Option (\S+) requires an argument\.", r"选项 \1 后面需要给出一个值。"),
    (r"Option (\S+) requires (\d+) arguments\.", r"选项 \1 后面需要给出 \2 个值。"),
    (r"Option (\S+) does not take a value\.", r"选项 \1 不带值。"),
    (r"Got unexpected extra arguments? \((.*)\)", r"多余的参数：\1"),
    (r"Value (.+?) is not a valid (\w+)\.", r"\1 不是有效的\2。"),
    (r"。?\. Did you mean (.*)\?", r"。您是不是要输入 \1？"),
]
HELP_TEXT = "显示本帮助后退出。"


def translate(message: str) -> str:
    """Click's English error sentence in Chinese (unknown sentences are returned unchanged)."""
    for pattern, replacement in ERRORS:
        message = re.sub(pattern, replacement, message, count=1)
    for english, chinese in TYPE_NAMES.items():
        message = message.replace(f"不是有效的{english}", f"不是有效的{chinese}")
    return message


def _display_type(display_type_rich):
    """A parameter's type in help: none for a flag, `<路径>` for `<path>`, `<路径>...` for a list."""

    def display_type_zh(self, ctx):
        if getattr(self, "is_flag", False):
            return None
        shown = display_type_rich(self, ctx)
        if not isinstance(shown, str):
            return shown
        listed = re.fullmatch(r"<list\[(\w+)\]>", shown)
        if listed:
            shown = f"<{listed.group(1)}>..."
        return TYPE_WORDS.sub(lambda m: TYPE_NAMES.get(m.group(1), m.group(1)), shown)

    return display_type_zh


def _patch_rich_utils(rich_utils) -> None:
    """Chinese constants and error messages in typer.rich_utils (help and error output)."""
    for name, value in RICH_CONSTANTS.items():
        setattr(rich_utils, name, value)
    rich_format_error = rich_utils.rich_format_error

    def rich_format_error_zh(error: exceptions.ClickException) -> None:
        english = error.format_message
        error.format_message = lambda: translate(english())
        rich_format_error(error)

    rich_utils.rich_format_error = rich_format_error_zh


class _PatchWhenImported(importlib.abc.MetaPathFinder):
    """Patch typer.rich_utils the moment Typer imports it: Typer loads it (and rich, about
    70 ms) only to print help or an error, so a command that succeeds never pays for it."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module) -> None:
            exec_module(module)
            _patch_rich_utils(module)

        spec.loader.exec_module = exec_and_patch
        return spec


def _install() -> None:
    if "typer.rich_utils" in sys.modules:
        _patch_rich_utils(sys.modules["typer.rich_utils"])
    else:
        sys.meta_path.insert(0, _PatchWhenImported())
    core._ = lambda text: ZH.get(text, text)

    write_usage = formatting.HelpFormatter.write_usage

    def write_usage_zh(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        write_usage(self, prog, args, "用法：" if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage_zh

    get_help_option = _click.Command.get_help_option

    def get_help_option_zh(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    _click.Command.get_help_option = get_help_option_zh

    for cls in (core.TyperOption, core.TyperArgument):
        cls.display_type_rich = _display_type(cls.display_type_rich)

    def show(self, file=None) -> None:  # the plain (non-rich) path, for completeness
        _click.echo(f"错误：{translate(self.format_message())}", file=file, err=file is None)

    exceptions.ClickException.show = show


_install()
