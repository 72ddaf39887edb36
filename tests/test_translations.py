"""The catalogues: complete, compiled, and what a community office would write.

The .po files are the source; the .mo files are committed because a fresh machine
may not have gettext. These tests need no gettext tools: they read the .po with a
small parser and the .mo with the standard library. Only the check that nothing in
the code was left out of the catalogue runs ``makemessages``, which needs xgettext.
"""

import gettext
import os
import re
import shutil
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

LOCALE = Path(settings.LOCALE_PATHS[0])
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    where: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The msgid as a compiled catalogue stores it (context, then EOT)."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        where = f"line {self.line}"
        return f"{where}: {self.msgid!r}" + (f" (context {self.msgctxt!r})" if self.msgctxt else "")


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header (msgid "") included; obsolete ones (#~) skipped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None

    def close() -> None:
        nonlocal entry, target
        if entry is not None:
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            close()
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            entry.where += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry.msgctxt, target = _unquote(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, target = _unquote(line[6:]), ("msgid", 0)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry.msgstr[index] = _unquote(line[line.index("]") + 1 :])
            target = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr[0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    close()
    return entries


def messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path) if entry.msgid]


def header(path: Path) -> Entry:
    first = parse_po(path)[0]
    assert first.msgid == "", f"{path} does not start with its header"
    return first


def compiled(po: Path) -> gettext.GNUTranslations:
    with po.with_suffix(".mo").open("rb") as handle:
        return gettext.GNUTranslations(handle)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# --- The Chinese catalogue is complete -------------------------------------------------


def test_the_catalogues_exist_and_hold_the_same_messages():
    zh = {entry.key for entry in messages(ZH_PO)}
    en = {entry.key for entry in messages(EN_PO)}
    assert len(zh) > 100
    assert zh == en, "run `make messages`: the two catalogues were extracted apart"


def test_every_chinese_message_is_translated_and_checked():
    empty = [str(e) for e in messages(ZH_PO) if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [str(e) for e in parse_po(ZH_PO) if "fuzzy" in e.flags]
    assert not empty, "untranslated in zh_Hans:\n" + "\n".join(empty)
    assert not fuzzy, "fuzzy (unchecked) in zh_Hans:\n" + "\n".join(fuzzy)


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def test_every_string_in_the_code_is_in_the_chinese_catalogue(tmp_path: Path, monkeypatch):
    """Extract the msgids afresh from a copy of the package, as `make messages` does.

    A string someone marked for translation but never extracted shows in English on
    a Chinese page, and no check of the committed .po alone can see it.
    """
    if shutil.which("xgettext") is None:
        reason = "xgettext (GNU gettext) is not installed, so the msgids cannot be extracted"
        if _ci():
            pytest.fail(f"{reason}; CI must have it: apt-get install gettext")
        pytest.skip(f"{reason}: apt-get install gettext")
    package = tmp_path / "jifen"
    shutil.copytree(
        LOCALE.parent,
        package,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "var", "*.sqlite3"),
    )
    monkeypatch.chdir(package)
    with override_settings(LOCALE_PATHS=[str(package / "locale")]):
        call_command(
            "makemessages", locale=["zh_Hans"], keep_pot=True, no_obsolete=True, verbosity=0
        )
    extracted = messages(package / "locale" / "django.pot")
    assert len(extracted) > 100, "makemessages extracted almost nothing: is the copy right?"
    translated = {
        entry.key
        for entry in messages(ZH_PO)
        if entry.msgstr and all(entry.msgstr.values()) and "fuzzy" not in entry.flags
    }
    missing = [entry for entry in extracted if entry.key not in translated]
    assert not missing, (
        f"{len(missing)} string(s) in the code have no Chinese in {ZH_PO.name}: run "
        "`make messages`, then translate them (docs/i18n.md):\n"
        + "\n".join(
            f"{entry.msgid!r}"
            + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")
            + f"  [{' '.join(entry.where[:3])}]"
            for entry in missing
        )
    )


def test_chinese_has_one_plural_form():
    head = header(ZH_PO).msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in head
    assert "Language: zh_Hans" in head
    plurals = [e for e in messages(ZH_PO) if e.msgid_plural is not None]
    assert plurals, "expected at least one plural message (the team size)"
    for entry in plurals:
        assert set(entry.msgstr) == {0}, f"{entry}: Chinese has only msgstr[0]"


def test_translations_keep_placeholders_and_markup():
    for entry in messages(ZH_PO):
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry.msgid)), (
                f"{entry}: placeholders differ in {text!r}"
            )
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(entry.msgid)), (
                f"{entry}: HTML differs in {text!r}"
            )


def test_english_keeps_its_msgids_as_the_text():
    assert "fuzzy" not in header(EN_PO).flags
    assert all(not any(e.msgstr.values()) for e in messages(EN_PO))


# --- The compiled catalogues match their sources ---------------------------------------


@pytest.mark.parametrize("po", [ZH_PO, EN_PO], ids=["zh_Hans", "en"])
def test_compiled_catalogue_is_up_to_date(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages` (or `jifen compilemessages`)"
    catalog: dict[object, str] = compiled(po)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in messages(po):
        if entry.msgid_plural is None:
            if entry.msgstr.get(0):
                expected[entry.key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                if text:
                    expected[(entry.key, index)] = text
    actual = {key: value for key, value in catalog.items() if key != ""}  # "" is the header
    stale = {k: (actual.get(k), v) for k, v in expected.items() if actual.get(k) != v}
    extra = set(actual) - set(expected)
    assert not stale, f"{mo} is older than {po.name}: run `jifen compilemessages`\n{stale}"
    assert not extra, f"{mo} holds messages that {po.name} no longer has: {extra}"


def test_the_mo_files_are_not_ignored_by_git():
    """The compiled catalogues are committed: a fresh machine may not have gettext."""
    root = next((p for p in ZH_PO.parents if (p / ".gitignore").exists()), None)
    if root is None:
        pytest.skip("not in a source checkout")
    mo = ZH_PO.with_suffix(".mo").relative_to(root).as_posix()
    for pattern in (root / ".gitignore").read_text().splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith(("#", "!")):
            continue
        bare = pattern.strip("/")
        ignored = fnmatch(mo.rsplit("/", 1)[-1], bare) or any(
            fnmatch(prefix, bare) for prefix in _prefixes(mo)
        )
        assert not ignored, f".gitignore pattern {pattern!r} excludes {mo}"


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))] + parts


# --- Django speaks the community's words -----------------------------------------------


GLOSSARY = {
    "Work console": "工作台",
    "Review group member": "积分管理小组成员",
    "Community staff": "社区工作者",
    "Public screen": "电子屏",
    "Volunteer number": "志愿者编号",
    "Log in": "登录",
    "Household": "户",
    "Family proxies": "家属代办",
    "Audit log": "操作日志",
    "Merchant": "爱心商户",
    "Organisation": "驻区单位",
    "Volunteer team": "志愿服务队",
    "In-service party member reporting home": "在职党员回家报到",
    "Grid": "网格",
}


def test_django_uses_the_glossary_terms():
    with translation.override("zh-hans"):
        for english, chinese in GLOSSARY.items():
            assert translation.gettext(english) == chinese, english
        for n in (1, 5):
            assert translation.ngettext("%(n)s member", "%(n)s members", n) % {"n": n} == (
                f"{n} 名成员"
            )
    with translation.override("en"):
        assert translation.gettext("Work console") == "Work console"


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_when_asked():
    zh = Client().get("/login/")
    assert zh.status_code == 200
    page = zh.content.decode()
    assert '<html lang="zh-CN">' in page
    assert "登录" in page and "手机号" in page and "密码" in page
    assert "Log in" not in page

    en = Client(HTTP_ACCEPT_LANGUAGE="en").get("/login/")
    assert en.status_code == 200
    page = en.content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page and "Mobile phone" in page
    assert "登录" not in page


@pytest.mark.django_db
def test_api_errors_are_chinese_by_default_and_english_when_asked():
    zh = Client().get("/api/v1/me")
    assert zh.status_code == 401
    assert zh.json()["error"] == {"code": "not_authenticated", "message": "请先登录。"}

    en = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me")
    assert en.status_code == 401
    assert en.json()["error"] == {"code": "not_authenticated", "message": "Please log in first."}
