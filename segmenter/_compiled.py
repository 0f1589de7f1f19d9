"""Use a compiled module only if it was built from the source beside it.

``setup.py`` compiles some modules with Cython when it can (``COMPILED_MODULES``) and
stamps each with the SHA-256 of its source (``<module>.sha256``). Python imports an
extension module before a ``.py`` of the same name, so after an edit of the source a
stale build would run silently; this module, imported first by the package, loads the
source instead (with a warning) when the stamp does not match it, when there is no
stamp, or when ``SEGMENTER_PURE_PYTHON=1`` is set. A kernel written for Cython
(``_decoding.pyx``, ``_scoring.pyx``, ``_measure.pyx``, ``_own_features.pyx``, ``_context.pyx``,
``_assembly.pyx``) has no
Python source of its own: :func:`kernel` gives None then, and its caller runs its own
Python or NumPy code.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType

COMPILABLE = ("segmenter.features",)  # Python modules, compiled as they are
KERNELS = (  # modules written for Cython, optional
    "segmenter._decoding",
    "segmenter._scoring",
    "segmenter._context",
    "segmenter._own_features",
    "segmenter._measure",
    "segmenter._assembly",
)


def _use_source(name: str, source: Path) -> None:
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def _source_of(built: Path) -> Path:
    source = built.with_name(built.name.split(".", 1)[0] + ".py")
    return source if source.exists() else source.with_suffix(".pyx")


def build_is_current(built: Path) -> bool:
    """Was the extension module at ``built`` compiled from the ``.py`` (or ``.pyx``) beside it?

    ``features.cpython-311-x86_64-linux-gnu.so`` is checked against ``features.py`` by
    the stamp ``features.sha256`` the build wrote; no source beside it counts as current
    (an install without sources), no stamp or another digest as stale.
    """
    source = _source_of(built)
    if not source.exists():
        return True
    stamp = source.with_suffix(".sha256")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    return stamp.exists() and stamp.read_text().strip() == digest


def choose() -> dict[str, bool]:
    """Import each compilable module, compiled if its build is current; name -> compiled."""
    status: dict[str, bool] = {}
    pure = os.environ.get("SEGMENTER_PURE_PYTHON") == "1"
    for name in COMPILABLE:
        module = sys.modules.get(name)
        if module is not None:  # imported already (the package imported again)
            status[name] = isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader)
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            status[name] = False  # no build: the source is what Python imports anyway
            continue
        built = Path(spec.origin)
        source = _source_of(built)
        if not source.exists() or (not pure and build_is_current(built)):
            status[name] = True
            continue
        if not pure:
            warnings.warn(
                f"{built.name} was not built from the current {source.name}; running the Python "
                "source instead (rebuild with `pip install -e .`)",
                RuntimeWarning,
                stacklevel=2,
            )
        _use_source(name, source)
        status[name] = False
    return status


def kernel(name: str) -> ModuleType | None:
    """The compiled kernel ``name`` if it is built from its current source, else None."""
    if os.environ.get("SEGMENTER_PURE_PYTHON") == "1":
        KERNEL_STATUS[name] = False
        return None
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        KERNEL_STATUS[name] = False
        return None
    built = Path(spec.origin)
    if not build_is_current(built):
        warnings.warn(
            f"{built.name} was not built from the current {_source_of(built).name}; not using it "
            "(rebuild with `pip install -e .`)",
            RuntimeWarning,
            stacklevel=2,
        )
        KERNEL_STATUS[name] = False
        return None
    module = importlib.import_module(name)
    KERNEL_STATUS[name] = True
    return module


KERNEL_STATUS: dict[str, bool] = {}  # filled as the kernels are asked for (the source of a
# compilable module, run by choose(), may ask for one)
COMPILED: dict[str, bool] = choose()
