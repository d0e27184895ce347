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
from typing import TYPE_CHECKING, Callable, Iterable

import jinja2
from babel.support import Translations

from .errors import ConfigError
from .i18n import from_country, translations
from .resources import TEMPLATES

if TYPE_CHECKING:
    from .config import ReportConfig

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
    logo: str | None = None  # the cover's logo as a data: URI (the PDF fetcher serves nothing else from a project)
    colours: tuple[tuple[str, str], ...] = ()  # CSS variables over the styles' own: ("accent", "#1b4f72"), ...

    @property
    def colour_style(self) -> str:
        """The `style` attribute of the root element: the project's colours over the stylesheets' `:root` ones."""
        return "; ".join(f"--{name}: {value}" for name, value in self.colours)

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
            lines.append(f"{path.relative_to(self.custom)}: {self._describe_prose(path)}")
        if self.logo:
            lines.append("cover logo (cover.logo)")
        return lines

    def _describe_prose(self, path: Path) -> str:
        """Which shipped fragments a project prose file replaces and which hooks it fills (its own helper macros,
        named with a leading underscore, are left out)."""
        shipped = self.shipped / "prose" / path.parent.name / path.name
        if not shipped.is_file():
            return "a language of the project's own"
        known = set(_MACRO.findall(shipped.read_text(encoding="utf-8")))
        names = [name for name in _MACRO.findall(path.read_text(encoding="utf-8")) if not name.startswith("_")]
        replaced = [name for name in names if name in known]
        added = [name for name in names if name not in known]
        parts = ([f"replaces {', '.join(replaced)}"] if replaced else []) + ([f"adds {', '.join(added)}"] if added else [])
        return "; ".join(parts) or "no fragments"

    def catalog_strings(self, lang: str) -> list[str]:
        """The message ids the project's catalog for `lang` translates."""
        own = _file(self.custom, f"locales/{lang}/LC_MESSAGES/messages.po")
        if own is None:
            return []
        keys = translations(own.parent.parent.parent, lang)._catalog  # type: ignore[attr-defined]
        return sorted({key if isinstance(key, str) else key[0] for key in keys if key})

    def stale(self, findings: Iterable[str] = ()) -> list[str]:
        """The project's overrides that the installed tool no longer has a place for: a prose file or fragment the
        shipped prose does not define (and that is no hook: `extra` or `extra_<finding>` for one of `findings`, the
        report's findings), a catalog string the tool never asks for."""
        hooks = {"extra"} | {f"extra_{finding.replace('-', '_')}" for finding in findings}
        notes: list[str] = []
        if self.prose is not None:
            for path in sorted(self.prose.glob("*/*.html.j2")):
                notes += self._stale_fragments(path, hooks)
        for path in sorted((self.custom / "locales").glob("*/LC_MESSAGES/messages.po")) if self.custom else ():
            lang = path.parent.parent.name
            shipped = _file(self.shipped, f"locales/{lang}/LC_MESSAGES/messages.po")
            if shipped is None:
                continue
            known = _msgids(shipped)
            notes += [f"{path}: the string {key!r} is not one the installed version uses; it has no effect"
                      for key in self.catalog_strings(lang) if key not in known]
        return notes

    def _stale_fragments(self, path: Path, hooks: set[str]) -> list[str]:
        lang, name = path.parent.name, path.name
        shipped = self.shipped / "prose" / lang / name
        if not shipped.is_file():
            shipped = self.shipped / "prose" / "fr" / name  # a project's new language: compare with the reference one
        if not shipped.is_file():
            return [f"{path}: the installed version has no prose file {name}; its fragments are not used"]
        known = set(_MACRO.findall(shipped.read_text(encoding="utf-8")))
        return [f"{path}: fragment '{macro}' does not exist in the installed version's {name}"
                f"{' (no finding of that name)' if macro.startswith('extra_') else ''}; it is not used"
                for macro in _MACRO.findall(path.read_text(encoding="utf-8"))
                if macro not in known | hooks and not _is_survey_hook(name, macro) and not macro.startswith("_")]


#: `survey.html.j2`'s per-question and per-finding hooks: checked against the codebook by build.unused_fragments.
_SURVEY_HOOK = re.compile(r"^(finding|heading|q)_\w+$")


def _is_survey_hook(file: str, macro: str) -> bool:
    return file == "survey.html.j2" and bool(_SURVEY_HOOK.match(macro))


def _msgids(po: Path) -> set[str]:
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id}


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


def theme_of(config: ReportConfig, base: Path) -> Theme:
    """The shipped templates with the project's own folder over them (`custom_dir`, relative to the config file), and
    its cover (`cover`)."""
    import base64

    from .config import logo_type

    custom = None if config.custom_dir is None else (base / config.custom_dir).resolve()
    logo = None
    if custom is not None and config.cover.logo is not None:
        path = custom / config.cover.logo
        logo = f"data:{logo_type(path)};base64,{base64.b64encode(path.read_bytes()).decode()}"
    colours = tuple((css, value) for css, value in (("accent", config.cover.colours.accent), ("ink", config.cover.colours.text))
                    if value is not None)
    return Theme(TEMPLATES, custom, logo, colours)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour_notes(theme: Theme) -> list[str]:
    """Colours a reader could not read: white cover text on the accent, the text on the white page (WCAG AA, 4.5:1)."""
    notes = []
    for name, value in theme.colours:
        ratio = contrast("#ffffff", value)
        if ratio < 4.5:
            key = "accent" if name == "accent" else "text"
            against = "the white text of the cover and the headings on white" if name == "accent" else "the white page"
            notes.append(f"cover.colours.{key} {value}: contrast {ratio:.1f}:1 with {against}; readers need at least 4.5:1")
    return notes


EXPORT_NOTE = """# The tool's templates, exported by `report export-templates` (report {version})

Point `custom_dir` in the config at this folder (or copy what you need into the project's own). Each file here
replaces the installed tool's file of the same name, and each prose macro replaces the shipped fragment of the same
name: edit what you want to change and delete the rest, so that a newer version of the tool can still bring its
own corrections to the files you left alone. `report validate` lists the files in use and warns about fragments
and catalog strings the installed version no longer has.

- `prose/<lang>/*.html.j2`: the sentences, one macro per fragment (`_words.html.j2`, the language's word helpers,
  is not exported: the shipped one is always used for a shipped language).
- `locales/<lang>/LC_MESSAGES/messages.po`: headings, captions and labels; keep only the entries you change.
- `screen.css` (HTML), `print.css` (PDF); or leave them out and add your rules to `extra.css`.
- `layout.html.j2`, `tables.html.j2`: the page skeleton and the tables.
"""


def export_templates(target: Path, languages: Iterable[str] | None = None, force: bool = False,
                     shipped: Path = TEMPLATES) -> list[Path]:
    """Copy the shipped prose, catalogs, styles and page templates into `target`, laid out as a custom_dir.
    Existing files are kept unless `force`: a team's edits are never overwritten by accident."""
    from . import __version__

    available = sorted(p.name for p in (shipped / "prose").iterdir() if p.is_dir())
    chosen = list(languages) if languages else available
    unknown = [lang for lang in chosen if lang not in available]
    if unknown:
        raise ConfigError(f"no shipped prose for {', '.join(unknown)} (the tool has {', '.join(available)})")
    files = {Path(name): shipped / name for name in (*STYLES, *PAGE_TEMPLATES)}
    for lang in chosen:
        files |= {Path("prose", lang, p.name): p for p in sorted((shipped / "prose" / lang).glob("*.html.j2"))
                  if not p.name.startswith("_")}
        files[Path("locales", lang, "LC_MESSAGES", "messages.po")] = shipped / "locales" / lang / "LC_MESSAGES" / "messages.po"
    existing = [str(name) for name in files if (target / name).exists()] + \
        (["README.md"] if (target / "README.md").exists() else [])
    if existing and not force:
        raise ConfigError(f"{target}: {len(existing)} file(s) would be overwritten ({', '.join(existing[:5])}"
                          f"{', ...' if len(existing) > 5 else ''}); use --force to replace them")
    written = []
    for name, source in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(source.read_bytes())
        written.append(target / name)
    (target / "README.md").write_text(EXPORT_NOTE.format(version=__version__), encoding="utf-8")
    return [*written, target / "README.md"]
