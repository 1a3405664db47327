"""Write the API's OpenAPI document to openapi/openapi.json (committed; tests fail on drift).

    python -m scripts.export_openapi [--check] [path]

No database is needed: create_app() only connects in its lifespan, which this never runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scripts.embedded import ROOT

DEFAULT_PATH = ROOT / "openapi" / "openapi.json"


def generate() -> dict[str, Any]:
    from api.main import create_app
    from config import Settings

    # explicit settings: the document must not depend on the environment it is built in
    app = create_app(Settings(log_level="WARNING", log_json=False))
    return app.openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs (no write)")
    args = parser.parse_args(argv)
    text = render(generate())
    path: Path = args.path
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != text:
            print(f"{path} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    else:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
