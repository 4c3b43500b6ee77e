"""The repository stands on its own: code and docs cite nothing a user of the package cannot open.

Comments and docs point inside the repository (``docs/architecture.md``) or at public sources,
never at an internal design document or an issue tracker number.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Django's own tests, copied verbatim (with their ticket references) into tests/django_suite.
LIFTED = ROOT / "tests" / "django_suite"
FORBIDDEN = re.compile(r"DESIGN(\.md| section)|\.\./shared|\b[Ii]ssue \d+\b")


def test_no_reference_points_outside_the_repository() -> None:
    offenders = []
    for pattern in ("*.py", "*.md", "*.html", "*.js", "*.toml", "*.ini", "Makefile", "run"):
        for path in ROOT.rglob(pattern):
            parts = set(path.relative_to(ROOT).parts)
            if parts & {".venv", ".tox", ".pgdata", "node_modules", "build", "dist"}:
                continue
            if LIFTED in path.parents and path.parent != LIFTED:
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if FORBIDDEN.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_architecture_document_exists_where_the_code_points() -> None:
    assert (ROOT / "docs" / "architecture.md").is_file()
