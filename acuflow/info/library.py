"""Reading the shipped article files: content/<slug>/<language>.md, each starting with a
small header (title, summary) between '---' lines, then the Markdown text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# The articles every install ships, in every language (a test checks all four exist).
REQUIRED_SLUGS = (
    "acupuncture",
    "ims",
    "acupressure",
    "cupping",
    "chronic-low-back-pain",
    "acute-low-back-pain",
    "sciatica",
    "neuropathic-pain",
    "multiple-sclerosis",
)


@dataclass(frozen=True)
class LibraryArticle:
    slug: str
    language: str
    title: str
    summary: str
    body: str


def parse_article(text: str, *, slug: str, language: str) -> LibraryArticle:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError(f"{slug}/{language}.md: must start with a '---' header")
    header: dict[str, str] = {}
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            body = "\n".join(lines[index + 1 :]).strip() + "\n"
            break
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"{slug}/{language}.md: bad header line {line!r}")
        header[key.strip()] = value.strip()
    else:
        raise ValueError(f"{slug}/{language}.md: header is not closed with '---'")
    if not header.get("title"):
        raise ValueError(f"{slug}/{language}.md: header needs a title")
    return LibraryArticle(
        slug=slug,
        language=language,
        title=header["title"],
        summary=header.get("summary", ""),
        body=body,
    )


def library_articles(content_dir: Path = CONTENT_DIR) -> list[LibraryArticle]:
    found = []
    for path in sorted(content_dir.glob("*/*.md")):
        found.append(
            parse_article(
                path.read_text(encoding="utf-8"), slug=path.parent.name, language=path.stem
            )
        )
    return found
