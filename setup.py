"""Build script for the optional compiled feature module; the rest is in ``pyproject.toml``.

``segmenter/features.py`` is plain Python. When Cython and a C compiler are at hand it is
also compiled, as it is, into an extension module of the same name, which Python then
imports instead: the same features, faster (README, *Dependencies*). So are the kernels
``segmenter/_decoding.pyx`` (the Viterbi search) and ``segmenter/_scoring.pyx`` (the
state scores), which :mod:`segmenter.tagging` uses in place of its NumPy steps, and
``segmenter/_measure.pyx`` (a line's marks, classes, tokens and content words),
``segmenter/_own_features.pyx`` (a line's own features) and ``segmenter/_context.pyx``
(the page-context features), which :mod:`segmenter.features` uses in place of its
Python, and ``segmenter/_assembly.pyx`` (a page's ``Line`` objects, which
:mod:`segmenter.assembly` uses in place of ``map``, and its ``RawLine`` tuples, which
:mod:`segmenter.reading` makes in place of a split and an encoding). Without
them, or with ``SEGMENTER_PURE_PYTHON=1`` set at build time, the build goes on and the
package runs as pure Python.

Next to each compiled module the build writes ``<module>.sha256``, the SHA-256 of the
source it was compiled from: :mod:`segmenter._compiled` uses the compiled module only
while the source beside it is that same file.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

KERNELS = ("_decoding", "_scoring", "_context", "_own_features", "_measure", "_assembly")  # the .pyx files
COMPILED_MODULES = ("segmenter.features", *(f"segmenter.{kernel}" for kernel in KERNELS))


def _source(module: str) -> Path:
    """``features.py`` (compiled as it is) or a ``.pyx`` kernel written for Cython."""
    path = Path(*module.split(".")).with_suffix(".py")
    return path if path.exists() else path.with_suffix(".pyx")


class BuildWithDigests(build_ext):
    """``build_ext`` that stamps each built module with the digest of its source."""

    def run(self) -> None:
        super().run()
        for ext in self.extensions:
            built = Path(self.get_ext_fullpath(ext.name))
            if built.exists():  # an optional extension that failed to build is not there
                digest = hashlib.sha256(_source(ext.name).read_bytes()).hexdigest()
                built.with_name(ext.name.rsplit(".", 1)[-1] + ".sha256").write_text(digest + "\n")


def _extensions() -> list[Extension]:
    if os.environ.get("SEGMENTER_PURE_PYTHON") == "1":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    # no debug information on POSIX compilers (Python's own flags ask for it): a third of the size
    flags = ["-g0"] if os.name == "posix" else []
    modules = [Extension(name, [str(_source(name))], optional=True, extra_compile_args=flags) for name in COMPILED_MODULES]
    try:
        extensions = cythonize(modules, compiler_directives={"language_level": "3"}, quiet=True)
    except Exception as exc:  # a Cython that cannot translate the module: build it pure
        print(f"segmenter: not compiling {', '.join(COMPILED_MODULES)} ({exc}); pure Python", file=sys.stderr)
        return []
    for extension in extensions:  # cythonize's copies drop the flag: no C compiler must not fail the build
        extension.optional = True
    return extensions


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildWithDigests})
