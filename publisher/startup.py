"""Start-up check: a CJK font and WeasyPrint's HarfBuzz subsetter must be present."""
from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys

from .errors import PublisherError


def check_cjk_font() -> None:
    """Fail unless fontconfig finds Noto CJK (serif and sans) for Simplified Chinese."""
    if shutil.which("fc-list") is None:
        raise PublisherError("fontconfig (fc-list) not found", hint="apt-get install fontconfig")
    families = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True,
                              text=True, check=False).stdout
    for needed in ("Noto Serif CJK SC", "Noto Sans CJK SC"):
        if needed not in families:
            raise PublisherError(f"no CJK font: '{needed}' is not installed",
                                 hint="apt-get install fonts-noto-cjk")


def check_harfbuzz_subset() -> None:
    """Fail unless libharfbuzz-subset is loadable (else WeasyPrint is ~13x slower)."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise PublisherError("HarfBuzz subsetter (libharfbuzz-subset0) not found; "
                             "PDF font subsetting would be about 13 times slower",
                             hint="apt-get install libharfbuzz-subset0")


def check() -> None:
    check_cjk_font()
    check_harfbuzz_subset()


if __name__ == "__main__":
    try:
        check()
    except PublisherError as error:
        print(f"publisher: setup check failed: {error}", file=sys.stderr)
        sys.exit(2)
    print("setup: ok (Noto CJK fonts, HarfBuzz subsetter)")
