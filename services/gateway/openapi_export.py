"""``python -m services.gateway.openapi_export [FILE]``: the public OpenAPI document.

The web app's API types (``web/src/api/schema.d.ts``) are generated from the copy
committed at ``web/openapi.json``; ``make web-types`` rewrites both, and a test fails
when either drifts from the app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def document() -> dict[str, Any]:
    from services.gateway.app import create_app

    return create_app().openapi()


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    text = render()
    if argv:
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
