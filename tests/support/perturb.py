"""A diagnostic, never part of ``make test`` or CI: run the tests with every network nudged.

``pytest -p tests.support.perturb tests/chapters docs/en`` multiplies every weight of every
``MultiLayerNet`` by ``1 + 1e-12 * N(0, 1)`` right after it is built (a different nudge for
``BOOK_PERTURB_SEED=k``), and stores the experiments in a scratch cache so that nothing is
loaded from the unperturbed runs. A difference of one part in 10^12 is the size of what another
CPU, BLAS kernel or numpy build changes in the last bits; a claim or a printed number that
fails here depends on those bits, and must change (wording, band or digits) until it holds.

A page's numbers under a nudge, to compare with ``python -m scripts.results --numbers PAGE``::

    BOOK_PERTURB_SEED=2 python -c "import tests.support.perturb, scripts.results as r; \
        r.main(['--numbers', 'lr-schedules'])"

Other diagnostics of the same kind, by hand (with ``BOOK_CACHE=$(mktemp -d)``):
``OPENBLAS_CORETYPE=Sandybridge`` or ``Nehalem`` (another OpenBLAS kernel on an x86 machine),
and ``NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL"`` (numpy's baseline SIMD paths only).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from optimizers import nn

_original_init = nn.MultiLayerNet.__init__
PERTURB_SEED = int(os.environ.get("BOOK_PERTURB_SEED", "1"))
SCALE = float(os.environ.get("BOOK_PERTURB_SCALE", "1e-12"))


def _nudged_init(self, *args, seed=0, **kwargs):
    _original_init(self, *args, seed=seed, **kwargs)
    # the same nudge for the same network seed: two nets built alike stay alike
    rng = np.random.default_rng([PERTURB_SEED, 0 if seed is None else seed])
    for name, w in sorted(self.params.items()):
        if name.startswith("W"):
            w *= 1 + SCALE * rng.standard_normal(w.shape)


nn.MultiLayerNet.__init__ = _nudged_init
os.environ["BOOK_CACHE"] = tempfile.mkdtemp(prefix="book-perturbed-")
