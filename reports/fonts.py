"""The CJK font the PDF and the chart embed: Noto Sans SC (SIL Open Font License 1.1).

It comes from the PyPI package ``justmytype-intl-cjk`` (Google Fonts' ``NotoSansSC[wght].ttf``, TrueType
outlines), so ``pip install`` is the whole set-up on any machine. That file is a variable font whose default
is the Thin weight; the Regular and Bold instances are cut from it once (fontTools' instancer, ~15 s each)
and kept in a font cache: ``$RISKWATCH_FONT_DIR``, else ``<venv>/share/riskwatch-fonts`` (so ``make clean``
removes it), else ``~/.cache/riskwatch/fonts``. ``make install`` runs ``python -m reports.fonts`` to fill it.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata, resources
from pathlib import Path

from reports.errors import FontError

FONT_PACKAGE = "justmytype-intl-cjk"
FONT_RESOURCE = "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
FONT_FAMILY = "Noto Sans SC"
LICENCE = "SIL Open Font License 1.1"
REGULAR, BOLD = 400, 700
FONT_DIR_ENV = "RISKWATCH_FONT_DIR"


def source_font() -> Path:
    """The variable font file inside the installed package."""
    try:
        path = Path(str(resources.files("justmytype_intl_cjk") / FONT_RESOURCE))
    except ModuleNotFoundError as exc:
        raise FontError(f"the CJK font package {FONT_PACKAGE} is not installed: run `make install`") from exc
    if not path.is_file():
        raise FontError(f"{FONT_PACKAGE} is installed but {FONT_RESOURCE} is missing from it")
    return path


def font_dir() -> Path:
    if os.environ.get(FONT_DIR_ENV):
        return Path(os.environ[FONT_DIR_ENV])
    venv_share = Path(sys.prefix) / "share"
    if sys.prefix != sys.base_prefix and os.access(sys.prefix, os.W_OK):
        return venv_share / "riskwatch-fonts"
    return Path.home() / ".cache" / "riskwatch" / "fonts"


def _instance(source: Path, weight: int, target: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(str(source))
    static = instancer.instantiateVariableFont(font, {"wght": weight}, updateFontNames=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    static.save(str(partial))
    os.replace(partial, target)  # atomic: a concurrent reader sees the whole file or none


def cjk_font(weight: int = REGULAR) -> Path:
    """A static TrueType instance of the CJK font at ``weight``, cut and cached on first use."""
    source = source_font()
    version = metadata.version(FONT_PACKAGE)
    target = font_dir() / f"NotoSansSC-{weight}-{version}.ttf"
    if not target.is_file():
        _instance(source, weight, target)
    return target


def main() -> int:
    for weight in (REGULAR, BOLD):
        print(f"{FONT_FAMILY} {weight}: {cjk_font(weight)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
