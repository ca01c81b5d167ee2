"""Build-time import test of a runtime image: import every package its declared requirements name.

Standard library only (it runs in the competition's image, which has nothing of Holdout).
The name mapping is the local sandbox's (``services.orchestrator.executors.local.runtimes``); a test
keeps the two equal. Usage: ``python -I import_test.py requirements.in`` (the declared packages).
"""

from __future__ import annotations

import importlib
import re
import sys

IMPORT_NAMES = {
    "scikit-learn": "sklearn",
    "scikit-image": "skimage",
    "pillow": "PIL",
    "opencv-python": "cv2",
    "opencv-python-headless": "cv2",
    "python-dateutil": "dateutil",
    "pyyaml": "yaml",
    "beautifulsoup4": "bs4",
}
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def import_names(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-") and (m := _REQ_NAME.match(line)):
            name = m.group(1).lower()
            names.append(IMPORT_NAMES.get(name, name.replace("-", "_").replace(".", "_")))
    return names


def main(path: str) -> int:
    with open(path) as f:
        names = import_names(f.read())
    for name in names:
        importlib.import_module(name)
    print("import test passed:", ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
