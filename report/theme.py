"""The files an edition is rendered with: the tool's shipped templates, with a project's own folder over them.

A project's `custom_dir` (like MkDocs' `theme.custom_dir`) may hold:

| path | effect |
|---|---|
| `prose/<lang>/<file>.html.j2` | macros that replace the shipped fragments of the same name, or fill in hooks |
| `locales/<lang>/LC_MESSAGES/messages.po` | catalog strings over the shipped ones (or a new language's catalog) |
| `screen.css`, `print.css` | replace the shipped styles; `extra.css` is added after them, in both formats |
| `layout.html.j2`, `tables.html.j2` | replace the shipped page skeleton or tables |
| `assets/` | the cover's logo (`cover.logo` in the config) |

Everything not overridden comes from the installed tool, so upgrading it keeps a project's own files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import jinja2
from babel.support import Translations

from .errors import ConfigError
from .i18n import from_country, translations
from .resources import TEMPLATES

#: Page templates a project may replace as whole files (prose is replaced macro by macro).
PAGE_TEMPLATES = ("layout.html.j2", "tables.html.j2")
STYLES = ("screen.css", "print.css")
EXTRA_CSS = "extra.css"
_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(")


@dataclass(frozen=True)
class Theme:
    """The shipped templates folder and, over it, the project's own folder (None: the shipped files alone)."""

    shipped: Path = TEMPLATES
    custom: Path | None = None

    @property
    def prose(self) -> Path | None:
        """The project's prose folder (`<lang>/<file>.html.j2`), when it has one."""
        return _dir(self.custom, "prose")

    def loader(self) -> jinja2.BaseLoader:
        """Page templates from the project first, then the tool's; the project's prose under the `project/` prefix
        (its macros are looked up before the shipped file's, fragment by fragment, not file by file)."""
        loaders: list[jinja2.BaseLoader] = []
        if self.custom is not None:
            loaders.append(_PagesOnly(str(self.custom)))
        loaders.append(jinja2.FileSystemLoader(str(self.shipped)))
        if self.prose is not None:
            # a language only the project has: its prose files import each other by their shipped-style names
            loaders.append(jinja2.PrefixLoader({"prose": jinja2.FileSystemLoader(str(self.prose))}))
            loaders.append(jinja2.PrefixLoader({"project": jinja2.FileSystemLoader(str(self.prose))}))
        return jinja2.ChoiceLoader(loaders)

    def css(self, name: str) -> str:
        """A stylesheet (`screen.css` or `print.css`): the project's if it has one, else the tool's, then its
        `extra.css`."""
        own = _file(self.custom, name)
        text = (own or self.shipped / name).read_text(encoding="utf-8")
        extra = _file(self.custom, EXTRA_CSS)
        return text if extra is None else f"{text}\n/* {EXTRA_CSS} */\n{extra.read_text(encoding='utf-8')}"

    def from_country(self, lang: str, name: str) -> str:
        """The focus country as the catalog's `%(from_country)s` (see i18n.from_country)."""
        return from_country((self.shipped,) + ((self.custom,) if self.prose is not None else ()), lang, name)

    def catalog(self, lang: str) -> Translations:
        return _catalog(self.shipped, self.custom, lang)

    def languages(self) -> list[str]:
        """Every language an edition can be written in: the tool's and the project's own."""
        found = {p.name for root in (self.shipped, self.custom) if root is not None
                 for p in (root / "prose").glob("*") if p.is_dir() and p.name.isalpha()}
        return sorted(found)

    def overrides(self) -> list[str]:
        """What the project replaces or adds, one line each, for `report validate`."""
        if self.custom is None:
            return []
        lines = [f"{name}: replaces the shipped {name}" for name in (*STYLES, *PAGE_TEMPLATES) if _file(self.custom, name)]
        if _file(self.custom, EXTRA_CSS):
            lines.append(f"{EXTRA_CSS}: added after the styles")
        for path in sorted((self.custom / "locales").glob("*/LC_MESSAGES/messages.po")):
            lang = path.parent.parent.name
            kind = "strings over the shipped catalog" if _file(self.shipped, f"locales/{lang}/LC_MESSAGES/messages.po") else "a new language's catalog"
            lines.append(f"{path.relative_to(self.custom)}: {len(self.catalog_strings(lang))} {kind}")
        for path in sorted(self.prose.glob("*/*.html.j2")) if self.prose else ():
            names = _MACRO.findall(path.read_text(encoding="utf-8"))
            lines.append(f"{path.relative_to(self.custom)}: {', '.join(names) or 'no macros'}")
        return lines

    def catalog_strings(self, lang: str) -> list[str]:
        """The message ids the project's catalog for `lang` translates."""
        own = _file(self.custom, f"locales/{lang}/LC_MESSAGES/messages.po")
        if own is None:
            return []
        keys = translations(own.parent.parent.parent, lang)._catalog  # type: ignore[attr-defined]
        return sorted({key if isinstance(key, str) else key[0] for key in keys if key})

    def stale(self) -> list[str]:
        """The project's overrides that the installed tool no longer has a place for: a prose file or fragment the
        shipped prose does not define (and that is no hook), a catalog string the tool never asks for."""
        notes: list[str] = []
        if self.prose is not None:
            for path in sorted(self.prose.glob("*/*.html.j2")):
                notes += self._stale_fragments(path)
        for path in sorted((self.custom / "locales").glob("*/LC_MESSAGES/messages.po")) if self.custom else ():
            lang = path.parent.parent.name
            shipped = _file(self.shipped, f"locales/{lang}/LC_MESSAGES/messages.po")
            if shipped is None:
                continue
            known = _msgids(shipped)
            notes += [f"{path}: the string {key!r} is not one the installed version uses; it has no effect"
                      for key in self.catalog_strings(lang) if key not in known]
        return notes

    def _stale_fragments(self, path: Path) -> list[str]:
        lang, name = path.parent.name, path.name
        shipped = self.shipped / "prose" / lang / name
        if not shipped.is_file():
            shipped = self.shipped / "prose" / "fr" / name  # a project's new language: compare with the reference one
        if not shipped.is_file():
            return [f"{path}: the installed version has no prose file {name}; its fragments are not used"]
        known = set(_MACRO.findall(shipped.read_text(encoding="utf-8")))
        return [f"{path}: fragment '{macro}' does not exist in the installed version's {name}; it is not used"
                for macro in _MACRO.findall(path.read_text(encoding="utf-8"))
                if macro not in known and not _is_hook(name, macro)]


#: Hooks: fragment names a project may define although the shipped prose does not (see docs and outline.yaml).
#: `survey.html.j2`'s per-question and per-finding hooks are checked against the codebook by build.unused_fragments.
_HOOK = re.compile(r"^(extra(_\w+)?|(finding|heading|q)_\w+)$")


def _is_hook(file: str, macro: str) -> bool:
    return bool(_HOOK.match(macro)) and (file == "survey.html.j2" or macro.startswith("extra"))


def _msgids(po: Path) -> set[str]:
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


class _PagesOnly(jinja2.FileSystemLoader):
    """The project folder, for whole page templates only: its prose is looked up macro by macro instead."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in PAGE_TEMPLATES:
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)


def _dir(root: Path | None, name: str) -> Path | None:
    return root / name if root is not None and (root / name).is_dir() else None


def _file(root: Path | None, name: str) -> Path | None:
    return root / name if root is not None and (root / name).is_file() else None


@lru_cache(maxsize=None)
def _catalog(shipped: Path, custom: Path | None, lang: str) -> Translations:
    """The shipped catalog with the project's strings over it; a project's new language has its catalog alone."""
    own = _file(custom, f"locales/{lang}/LC_MESSAGES/messages.po")
    has_shipped = _file(shipped, f"locales/{lang}/LC_MESSAGES/messages.po") is not None or \
        _file(shipped, f"locales/{lang}/LC_MESSAGES/messages.mo") is not None
    if own is None:
        return translations(shipped / "locales", lang)
    if not has_shipped:
        return translations(own.parent.parent.parent, lang)
    merged = Translations()
    merged._catalog = {**translations(shipped / "locales", lang)._catalog,  # type: ignore[attr-defined]
                       **translations(own.parent.parent.parent, lang)._catalog}  # type: ignore[attr-defined]
    merged.plural = translations(shipped / "locales", lang).plural  # type: ignore[attr-defined]
    return merged


def check_language(theme: Theme, lang: str) -> None:
    """A language can be written only with prose and a catalog for it (shipped or the project's)."""
    if lang not in theme.languages():
        raise ConfigError(f"no prose for language '{lang}': the installed tool has {', '.join(theme.languages())}; "
                          f"a project adds a language with prose/{lang}/ and locales/{lang}/LC_MESSAGES/messages.po "
                          "in its custom_dir (start from `report export-templates`)")
