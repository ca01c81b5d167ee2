"""The rules for names other people see: team names and usernames.

Used by ``teams.service`` and ``auth.service`` (every way a user is made goes through
``create_user``). A name shown on a leaderboard must read as what it is, so:

- it is normalised to NFKC (full-width letters, ligatures and other compatibility
  forms become their plain equivalents), and stored so;
- characters that change how the text around them is shown, or are not shown at all,
  are refused: control characters (Unicode category Cc), format characters (Cf: the
  bidirectional overrides, isolates and marks, zero-width spaces and joiners, the
  byte-order mark...), and the other invisible code points listed below;
- two names that differ only in case or compatibility form are the same name: the
  ``key`` (NFKC, then case folded, then NFKC again) is what uniqueness is checked on,
  by a unique index in the database.
"""

from __future__ import annotations

import unicodedata

from shared.web import Conflict, ProblemError

# invisible or direction-changing code points whose category is not Cc/Cf (or that are
# named here so the rule does not depend on the Unicode database's version)
_INVISIBLE = frozenset(
    {
        0x115F,  # HANGUL CHOSEONG FILLER
        0x1160,  # HANGUL JUNGSEONG FILLER
        0x3164,  # HANGUL FILLER
        0xFFA0,  # HALFWIDTH HANGUL FILLER
        0x034F,  # COMBINING GRAPHEME JOINER
        0x180E,  # MONGOLIAN VOWEL SEPARATOR
        0x200B,  # ZERO WIDTH SPACE
        0x200C,  # ZERO WIDTH NON-JOINER
        0x200D,  # ZERO WIDTH JOINER
        0x200E,  # LEFT-TO-RIGHT MARK
        0x200F,  # RIGHT-TO-LEFT MARK
        0x2028,  # LINE SEPARATOR
        0x2029,  # PARAGRAPH SEPARATOR
        0x061C,  # ARABIC LETTER MARK
        *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
        *range(0x2060, 0x2070),  # WORD JOINER .. invisible operators, LRI, RLI, FSI, PDI
        0xFEFF,  # ZERO WIDTH NO-BREAK SPACE (byte-order mark)
        *range(0xFE00, 0xFE10),  # variation selectors
        *range(0xE0100, 0xE01F0),  # variation selectors supplement
        *range(0xE0000, 0xE0080),  # tags
    }
)
# surrogates, private use and unassigned code points: no name needs them, and a lone
# surrogate cannot even be stored as UTF-8
_NOT_TEXT = frozenset({"Cs", "Co", "Cn"})


class InvalidName(ProblemError):
    def __init__(self, what: str, char: str, why: str) -> None:
        code_point = f"U+{ord(char):04X}"
        name = unicodedata.name(char, "")
        super().__init__(
            f"the {what} contains {code_point}{f' ({name})' if name else ''}, {why}; "
            "use visible letters, digits, spaces and punctuation",
            status=422,
            code="invalid-name",
            character=code_point,
        )


def _why_refused(char: str) -> str | None:
    category = unicodedata.category(char)
    if category == "Cc":
        return "a control character"
    if category == "Cf" or ord(char) in _INVISIBLE:
        return "an invisible or text-direction character"
    if category in _NOT_TEXT:
        return "a character that is unassigned or not meant for text"
    return None


def normalise(name: str, what: str, max_length: int = 64) -> str:
    """The name as it is stored and shown (NFKC, outer spaces trimmed), or ``InvalidName``."""
    normal = unicodedata.normalize("NFKC", name)
    # the original first, so the problem names the character the client sent
    for char in name + normal:
        why = _why_refused(char)
        if why is not None:
            raise InvalidName(what, char, why)
    normal = normal.strip()
    if not normal:
        raise ProblemError(f"the {what} is empty once trimmed", status=422, code="invalid-name")
    if len(normal) > max_length:
        raise ProblemError(
            f"the {what} is {len(normal)} characters long once normalised; at most {max_length} fit",
            status=422,
            code="invalid-name",
        )
    return normal


def key(name: str) -> str:
    """What two names are compared by: equal keys are the same name (``Alice`` = ``alice``)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def taken(what: str, name: str, where: str = "") -> Conflict:
    code = "team-name-taken" if what == "team name" else "username-taken"
    return Conflict(
        f"the {what} {name!r} is taken{where} (names are compared ignoring case and "
        "compatibility forms); choose another",
        code=code,
    )
