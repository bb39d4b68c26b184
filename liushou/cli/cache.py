"""`liushou cache clear`: remove the parsed-file cache liushou keeps outside the repository."""

from __future__ import annotations

from pathlib import Path

import typer

from liushou.cli.common import REPO_OPTION, app, apply_today, repo_root
from liushou.load import cache as cache_mod

cache_app = typer.Typer(
    help="管理 liushou 的缓存（存放在仓库之外，含解析后的档案内容）。\n\n例：liushou cache clear",
    no_args_is_help=True,
)
app.add_typer(
    cache_app,
    name="cache",
    help="管理缓存：在公用电脑上用完后请清除缓存。\n\n例：liushou cache clear",
)


@cache_app.command("clear")
def cache_clear(
    ctx: typer.Context,
    only_this: bool = typer.Option(
        False, "--this-repo", help="只删除当前仓库（-C 指定的仓库）的缓存；默认删除全部缓存。"
    ),
    repo: Path = REPO_OPTION,
) -> None:
    """删除 liushou 的缓存（缓存中有档案里的姓名、电话等内容；下次检查会重新读取全部文件）。

    例：liushou cache clear　　liushou cache clear --this-repo
    """
    root: Path | None = repo_root(apply_today(ctx, None, repo)) if only_this else None
    removed = cache_mod.clear(root)
    typer.echo(f"已清除缓存（{removed} 个文件，位置：{cache_mod.cache_root()}）")
