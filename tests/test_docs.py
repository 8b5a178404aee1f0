"""The project's documents that the code and the README cite are in the repository.

The company's rules file lives outside the repository; the code cites the project's own
`docs/domain-rules.md` instead, and every `docs/...` path a source file or the README names
must exist.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

THIS_FILE = Path(__file__).resolve()
ROOT = THIS_FILE.parent.parent
# Folders that are not the project's sources (environments, caches, generated data).
SKIPPED_DIRS = {".git", ".venv", "var", "build", "dist", "__pycache__", ".pytest_cache"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".csv", ".cfg", ".ini", ".mako", ".ts"}
TEXT_NAMES = {"Makefile", "run"}
# Built so that this file does not cite it.
OUTSIDE_RULES = "DOMAIN_" + "RULES"
# `docs/<path>` not preceded by a path or word character (so not "foo/docs/x" or a URL's
# "/docs/"), up to the first character that cannot be in a path ("#section", quotes, ")").
DOC_PATH = re.compile(r"(?<![\w/.-])docs/[\w./-]*[\w]")


def project_files(root: Path) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        for name in names:
            path = Path(folder) / name
            if path == THIS_FILE:
                continue  # its examples cite missing docs on purpose
            if path.suffix in TEXT_SUFFIXES or name in TEXT_NAMES:
                files.append(path)
    return sorted(files)


def cited_docs(text: str) -> set[str]:
    return set(DOC_PATH.findall(text))


# A section named after the path: `docs/domain-rules.md, "Calling consumers"`.
DOC_SECTION = re.compile(r'(?<![\w/.-])(docs/[\w./-]*\.md),? "([^"]+)"')


def missing_sections(root: Path) -> dict[str, list[str]]:
    """{"doc path: section" cited but not a heading of that doc: [files citing it]}."""
    missing: dict[str, list[str]] = {}
    for path in project_files(root):
        for doc, section in DOC_SECTION.findall(path.read_text(encoding="utf-8")):
            target = root / doc
            headings = {
                line.lstrip("#").strip()
                for line in (
                    target.read_text(encoding="utf-8") if target.exists() else ""
                ).splitlines()
                if line.startswith("#")
            }
            if section not in headings:
                missing.setdefault(f"{doc}: {section}", []).append(str(path.relative_to(root)))
    return missing


def missing_docs(root: Path) -> dict[str, list[str]]:
    """{cited doc path missing from `root`: [files citing it]}."""
    missing: dict[str, list[str]] = {}
    for path in project_files(root):
        for cited in cited_docs(path.read_text(encoding="utf-8", errors="replace")):
            if not (root / cited).exists():
                missing.setdefault(cited, []).append(str(path.relative_to(root)))
    return missing


def files_citing_outside_rules(root: Path) -> list[str]:
    return [
        str(path.relative_to(root))
        for path in project_files(root)
        if OUTSIDE_RULES in path.read_text(encoding="utf-8", errors="replace")
    ]


def test_nothing_cites_the_company_rules_file_outside_the_repository() -> None:
    assert files_citing_outside_rules(ROOT) == []


def test_every_cited_doc_exists() -> None:
    assert missing_docs(ROOT) == {}


def test_every_cited_section_exists() -> None:
    assert missing_sections(ROOT) == {}


def test_the_domain_rules_are_cited() -> None:
    citing = [
        str(path.relative_to(ROOT))
        for path in project_files(ROOT)
        if "docs/domain-rules.md" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert "README.md" in citing
    assert any(name.startswith("app/") for name in citing)


def test_a_missing_doc_or_an_outside_citation_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "present.md").write_text("# Present\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "rule.py").write_text(
        f'"""See docs/present.md, "Section", and docs/absent.md#part."""\n# ({OUTSIDE_RULES}.md)\n',
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text(
        "![Screen](docs/screen.png) and https://example.org/docs/other.md\n", encoding="utf-8"
    )
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "vendored.py").write_text("# docs/vendored.md\n", encoding="utf-8")

    assert missing_docs(tmp_path) == {
        "docs/absent.md": ["app/rule.py"],
        "docs/screen.png": ["README.md"],
    }
    assert missing_sections(tmp_path) == {"docs/present.md: Section": ["app/rule.py"]}
    assert files_citing_outside_rules(tmp_path) == ["app/rule.py"]


# Promises that came true: the server exists and uses these modules, reps receive providers.
FULFILLED_PROMISES = ("providers come next", "(and, later, server)", "and, later, by the server")


def test_no_sentence_still_promises_what_exists() -> None:
    stale = {
        str(path.relative_to(ROOT)): promise
        for path in project_files(ROOT)
        for promise in FULFILLED_PROMISES
        if promise in path.read_text(encoding="utf-8", errors="replace")
    }
    assert stale == {}
