"""A parsed log kept in the repository's cache folder as numpy arrays, reused while its bytes hold.

`check` of a county parses a million log rows with pandas; `report` and `due` after it need the
same frames. Each log's parse (frame, findings, header) is stored in one `.npz` file per log
name, keyed by the digest of the file's bytes, its path, the kept columns and the code version.
Nothing is pickled: numeric and date columns are saved as they are, text columns as integer
codes into a JSON list of their distinct values, and `np.load(..., allow_pickle=False)` refuses
anything else. A file not owned by the current user, writable by others, or reached through a
link is ignored, as every cache file is (see cache.load_entry). Only logs of more than
loader.SMALL_LOGS_BYTES in all are stored: a school's few hundred rows are read faster.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from liushou.load import cache as cache_mod
from liushou.load.logs import LoadedLog

_PREFIX, _SUFFIX = "log-", ".npz"
_NUMERIC_KINDS = "biufM"  # bool, int, unsigned, float, datetime64


def _path(store: cache_mod.Cache, name: str) -> Path:
    return store.folder / f"{_PREFIX}{name}{_SUFFIX}"


def _key(store: cache_mod.Cache, digest: str, file: str, keep: tuple[str, ...]) -> list:
    return [store.code_version, pd.__version__, np.__version__, digest, file, sorted(keep)]


def get_log(
    store: cache_mod.Cache, name: str, digest: str, file: str, keep: tuple[str, ...]
) -> LoadedLog | None:
    """The stored parse of log `name` if its bytes, path and kept columns are the same."""
    try:
        fd = os.open(_path(store, name), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not cache_mod.trusted(os.fstat(handle.fileno())):
                return None
            data = handle.read()
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            meta = json.loads(bytes(arrays["meta"]).decode("utf-8", "surrogatepass"))
            if meta["key"] != _key(store, digest, file, keep):
                return None
            findings = [cache_mod.decode_finding(row) for row in meta["findings"]]
            header = tuple(meta["header"])
            if meta["columns"] is None:
                return LoadedLog(None, findings, header)
            columns = {}
            for index, (column, kind) in enumerate(meta["columns"]):
                if kind == "text" or kind in _STRING_DTYPES:
                    text = bytes(arrays[f"t{index}"]).decode("utf-8", "surrogatepass")
                    values = np.array(json.loads(text), dtype=object)
                    taken = values[arrays[f"c{index}"]]
                    if kind in _STRING_DTYPES:
                        dtype = pd.StringDtype("python", na_value=_STRING_DTYPES[kind])
                        taken = pd.array(taken, dtype=dtype, copy=False)
                    columns[column] = taken
                else:
                    columns[column] = arrays[f"c{index}"]
            frame = pd.DataFrame(columns, copy=False)
            return LoadedLog(frame, findings, header)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, EOFError):
        return None
    except zipfile.BadZipFile:  # not an .npz at all
        return None


def _encode_frame(frame: pd.DataFrame, arrays: dict[str, np.ndarray]) -> list | None:
    """The frame's columns into `arrays`; None when a column is not plain text or numbers."""
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        return None
    if frame.index.step != 1 or len(set(frame.columns)) != len(frame.columns):
        return None
    columns = []
    for index, column in enumerate(frame.columns):
        if not isinstance(column, str):
            return None
        series = frame[column]
        if series.dtype.kind in _NUMERIC_KINDS and not isinstance(
            series.dtype, pd.api.extensions.ExtensionDtype
        ):
            arrays[f"c{index}"] = series.to_numpy()
            columns.append([column, series.dtype.str])
        elif _is_text(series):
            codes, uniques = pd.factorize(series, use_na_sentinel=False)
            arrays[f"c{index}"] = codes.astype(np.int32 if len(uniques) < 2**31 else np.int64)
            try:
                text = json.dumps(list(uniques), ensure_ascii=False, allow_nan=True)
            except (TypeError, ValueError):  # pd.NA or another odd value: not stored
                return None
            arrays[f"t{index}"] = np.frombuffer(text.encode("utf-8", "surrogatepass"), np.uint8)
            columns.append([column, _text_kind(series.dtype)])
        else:
            return None
    return columns


def _is_text(series: pd.Series) -> bool:
    """Text of the kinds read_log makes: object columns of str, pandas' python str columns."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "python" and _text_kind(dtype) != "?"
    if dtype.kind == "O":
        return pd.api.types.infer_dtype(series, skipna=False) in ("string", "empty")
    return False


def _text_kind(dtype) -> str:
    if not isinstance(dtype, pd.StringDtype):
        return "text"
    if dtype.na_value is pd.NA:
        return "str-na"
    na = dtype.na_value
    return "str-nan" if isinstance(na, float) and na != na else "?"


_STRING_DTYPES = {"str-na": pd.NA, "str-nan": np.nan}


def put_log(
    store: cache_mod.Cache,
    name: str,
    digest: str,
    file: str,
    keep: tuple[str, ...],
    loaded: LoadedLog,
) -> None:
    """Store the parse of log `name` (atomically, 0600); a frame of other types is not stored."""
    arrays: dict[str, np.ndarray] = {}
    columns = None
    if loaded.frame is not None:
        columns = _encode_frame(loaded.frame, arrays)
        if columns is None:
            return
    meta = {
        "key": _key(store, digest, file, keep),
        "findings": [cache_mod.encode_finding(f) for f in loaded.findings],
        "header": list(loaded.header),
        "columns": columns,
    }
    try:
        text = json.dumps(meta, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError):
        return
    arrays["meta"] = np.frombuffer(text, dtype=np.uint8)
    tmp = None
    try:
        cache_mod.private_folder(store.folder)
        fd, tmp = tempfile.mkstemp(dir=store.folder, suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, _path(store, name))
        tmp = None
    except OSError:
        pass  # the cache only saves time
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)
