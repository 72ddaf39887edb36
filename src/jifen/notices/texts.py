"""A notice's words, kept so that each reader reads them in their own language.

A domain used to build a notice's subject and body in the deployment's language and the
notice kept that text: an English reader saw Chinese titles. Now a domain says what it
means with :func:`say` — the message id (marked with ``gettext_lazy``, so ``makemessages``
finds it) and its parameters — and :func:`lines` for a text of several lines. The result
is a :class:`Text`: a ``str`` in the deployment's language, so the notify backends (the
console, email, an SMS class) get what they always got, that also carries its *spec*, a
JSON value the notice keeps (``Notice.texts``). The list page and ``GET /me/notices``
render the spec with gettext in the reader's active language.

A spec is a list of parts, one a line::

    {"s": "words someone typed"}                 # a reason, an answer: never translated
    {"m": "msgid", "p": {"name": value, ...}}    # gettext(msgid) % params ("p" optional)
    {"f": "jifen.module.function", "a": [...]}   # a lazy call of ours, e.g. audit labels

and a parameter value is a JSON scalar or a part ({"m": …} for a translated word such as
a status). Anything that cannot be said so (an object, a lazy call of someone else's) is
kept as the deployment-language text it gives. A spec that no longer renders (a msgid's
parameters changed in a later version) falls back to the text the notice stored.
"""

import json
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string

Spec = list[dict[str, Any]]

# Lazy calls the renderer may make again at read time: functions of this project only.
_OWN = "jifen."


class RenderError(Exception):
    """A spec that does not render any more; the stored text is shown instead."""


class Text(str):
    """A text in the deployment's language that knows how to say itself in any other."""

    spec: Spec

    def __new__(cls, spec: Spec) -> "Text":
        with translation.override(settings.LANGUAGE_CODE):
            value = render(spec)
        text = super().__new__(cls, value)
        text.spec = spec
        return text

    def __add__(self, other: object) -> "Text":
        """``body + "\\n" + more`` keeps what each side means."""
        if not isinstance(other, str):
            return NotImplemented
        return _joined(self, other)

    def __radd__(self, other: object) -> "Text":
        if not isinstance(other, str):
            return NotImplemented
        return _joined(other, self)


def _lazy_call(promise: Promise) -> tuple[Any, tuple[Any, ...]] | None:
    """(function, args) of a ``django.utils.functional.lazy`` proxy, from its pickling
    recipe (``(unpickle, (func, args, kw, *resultclasses))``), or None."""
    try:
        recipe: Any = promise.__reduce__()
        func, args, kwargs = recipe[1][0], recipe[1][1], recipe[1][2]
    except (TypeError, ValueError, IndexError, AttributeError, KeyError):
        return None
    if kwargs or not callable(func):
        return None
    return func, tuple(args)


def _message_id(value: Promise) -> dict[str, Any] | None:
    """The part of a ``gettext_lazy`` / ``pgettext_lazy`` message, or of a lazy call of
    ours with JSON arguments; None for anything else."""
    call = _lazy_call(value)
    if call is None:
        return None
    func, args = call
    if func is translation.gettext and len(args) == 1 and isinstance(args[0], str):
        return {"m": args[0]}
    if func is translation.pgettext and len(args) == 2 and all(isinstance(a, str) for a in args):
        return {"c": args[0], "m": args[1]}
    name = f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}"
    if name.startswith(_OWN) and "<" not in name:
        try:
            json.dumps(args)
        except (TypeError, ValueError):
            return None
        return {"f": name, "a": list(args)}
    return None


def _value(value: Any) -> Any:
    """A parameter as the spec keeps it."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Text):
        return {"t": value.spec}
    if isinstance(value, Promise):
        part = _message_id(value)
        if part is not None:
            return part
    with translation.override(settings.LANGUAGE_CODE):
        return str(value)


def _part(message: Any, params: dict[str, Any]) -> dict[str, Any]:
    if isinstance(message, Promise):
        part = _message_id(message)
        if part is not None and "m" in part:
            if params:
                part["p"] = {name: _value(v) for name, v in params.items()}
            return part
        message = _value(message)
    if not isinstance(message, str):
        raise TypeError("say() takes a message marked with gettext_lazy")
    # A plain string is taken as a msgid (marked with gettext_noop by its caller).
    part = {"m": message}
    if params:
        part["p"] = {name: _value(v) for name, v in params.items()}
    return part


def say(message: Any, /, **params: Any) -> Text:
    """One translated sentence: ``say(_("Your claim %(id)s is approved"), id=7)`` with
    ``_`` = ``gettext_lazy``. Parameters may be numbers, text, lazy messages (a status's
    label) or other :class:`Text`."""
    return Text([_part(message, params)])


def words(text: str) -> Text:
    """What a person typed (a reason, an answer): shown as written, in every language."""
    return Text([{"s": str(text)}] if text else [])


def _spec_of(text: str | Promise | None) -> Spec:
    if isinstance(text, Promise):
        return [_part(text, {})]
    if not text:
        return []
    if isinstance(text, Text):
        return list(text.spec)
    return [{"s": line} for line in str(text).split("\n")]


def lines(*texts: str | Promise | None) -> Text:
    """Several texts, one a line; empty ones left out. A plain ``str`` is taken as words
    someone typed, a ``gettext_lazy`` message is translated."""
    spec: Spec = []
    for text in texts:
        spec += _spec_of(text)
    return Text(spec)


def _joined(left: str, right: str) -> Text:
    """``left + right``, each side rendered in turn."""
    return Text([{"j": [_spec_of(left), _spec_of(right)]}])


def spec_of(text: str | None) -> Spec:
    """The spec a notice keeps for this subject or body."""
    return _spec_of(text)


# --- Reading --------------------------------------------------------------------------------


def _render_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return render(value["t"])
        return _render_part(value)
    return value


def _render_part(part: dict[str, Any]) -> str:
    if "s" in part:
        return str(part["s"])
    if "j" in part:
        return "".join(render(spec) for spec in part["j"])
    if "m" in part:
        message = (
            translation.pgettext(part["c"], part["m"])
            if "c" in part
            else translation.gettext(part["m"])
        )
        if "p" in part:
            params = {name: _render_value(v) for name, v in part["p"].items()}
            return message % params
        return message
    if "f" in part:
        name = str(part["f"])
        if not name.startswith(_OWN):
            raise RenderError(name)
        return str(import_string(name)(*part.get("a", [])))
    raise RenderError(f"unknown part {sorted(part)}")


def render(spec: Spec) -> str:
    """The spec in the active language. Raises :class:`RenderError` when it does not
    render (a msgid whose parameters changed, a function that is gone)."""
    try:
        return "\n".join(_render_part(part) for part in spec)
    except RenderError:
        raise
    except (KeyError, TypeError, ValueError, ImportError, AttributeError) as exc:
        raise RenderError(str(exc)) from exc


def split(subject: str, body: str) -> tuple[str, str]:
    """A message's title and body: the subject's first line is the title, its other lines
    open the body."""
    title, _sep, rest = subject.strip().partition("\n")
    body = body.strip()
    if rest.strip():
        body = f"{rest.strip()}\n{body}" if body else rest.strip()
    return title, body


def texts_of(texts: dict[str, Any] | None) -> tuple[str, str] | None:
    """(subject, body) of a notice's kept specs in the active language; None when there
    are none (a notice kept before, or by a caller that sent plain text) or they do not
    render."""
    if not texts:
        return None
    try:
        return render(texts.get("subject") or []), render(texts.get("body") or [])
    except RenderError:
        return None


def as_texts(subject: str, body: str) -> dict[str, Spec] | None:
    """What a notice keeps of a message: the specs when either side is a :class:`Text`."""
    if not isinstance(subject, Text) and not isinstance(body, Text):
        return None
    return {"subject": spec_of(subject), "body": spec_of(body)}
