"""analysis/ is a plain library: importing it must not pull in the web framework."""

from __future__ import annotations

import subprocess
import sys


def test_analysis_never_imports_litestar() -> None:
    code = (
        "import sys, analysis, analysis.plots, analysis.excel, analysis.demo_data;"
        "web = ('litestar', 'piccolo', 'service');"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in web);"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
