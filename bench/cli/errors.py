"""Which errors are the user's (one line, exit 2) and which are bugs (a traceback).

A user error is one the harness or the library raised on purpose, with a
message saying what was wrong: a ``raise`` statement in ``bench/`` or
``algorithms/``. The same exception type raised inside NumPy or another
library (``ValueError: Cannot cast ufunc 'multiply' output …``) is a bug
of ours, and keeps its traceback (``HYDRA_FULL_ERROR=1`` shows it whole).

Errors of the environment — no space left, permission denied, a read-only
folder, a name too long — are the user's to fix too: :func:`os_error_line`
turns them into one line naming the path.
"""

from __future__ import annotations

import errno
import linecache
from pathlib import Path

__all__ = ["ENVIRONMENT_ERRNOS", "is_deliberate", "os_error_line"]

_ROOT = Path(__file__).resolve().parents[2]  # the repository (or site-packages) root
_PACKAGES = (str(_ROOT / "bench") + "/", str(_ROOT / "algorithms") + "/")

ENVIRONMENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG}
)
"""OS errors that the environment causes and the user fixes: reported without a traceback."""


def is_deliberate(error: BaseException) -> bool:
    """Whether ``error`` was raised by a ``raise`` statement of bench/ or algorithms/.

    Looks at the innermost frame of its traceback: an error raised on
    purpose ends on our own ``raise`` line; one that escaped from a library
    ends in the library, or on our line that called it.
    """
    tb = error.__traceback__
    if tb is None:
        return True  # constructed and handed over, never raised: a message by design
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = str(Path(tb.tb_frame.f_code.co_filename).resolve())
    if not filename.startswith(_PACKAGES):
        return False
    return linecache.getline(filename, tb.tb_lineno).lstrip().startswith("raise")


def os_error_line(error: OSError) -> str | None:
    """One line for an OS error the environment caused (naming the path), else None."""
    if error.errno not in ENVIRONMENT_ERRNOS:
        return None
    path = error.filename if error.filename is not None else "(unknown path)"
    reason = error.strerror or str(error)
    hints = {
        errno.ENOSPC: "free some space or write elsewhere (hydra.run.dir=...)",
        errno.EDQUOT: "free some space or write elsewhere (hydra.run.dir=...)",
        errno.ENAMETOOLONG: "use a shorter folder or file name",
    }
    hint = hints.get(error.errno, "check the folder's permissions or write elsewhere")
    return f"cannot write {path}: {reason}; {hint}."
