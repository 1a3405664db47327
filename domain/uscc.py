"""统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.

18 characters: registration-authority code (1), organisation category (1), region code (6),
organisation code (9), check character (1). The alphabet excludes I, O, Z, S, V.
python-stdnum's ``validate`` refuses registration codes that start with a letter
(e.g. ``A``/``N``/``Y`` authorities), which real certificates use, so we only borrow its
check-digit function and apply our own shape rules.
"""

from __future__ import annotations

import re

from stdnum.cn import uscc as _stdnum_uscc

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SHAPE = re.compile(rf"^[{_ALPHABET}]{{2}}\d{{6}}[{_ALPHABET}]{{9}}[{_ALPHABET}]$")


class InvalidUSCC(ValueError):
    pass


def normalize_uscc(value: str) -> str:
    return value.strip().upper().replace(" ", "").replace("-", "")


def validate_uscc(value: str) -> str:
    """Return the normalised code or raise InvalidUSCC with a human message."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise InvalidUSCC("统一社会信用代码应为 18 位 / must be 18 characters")
    if not _SHAPE.match(code):
        raise InvalidUSCC(
            "含有 GB 32100 不允许的字符 / contains characters not allowed by GB 32100 (I, O, Z, S, V or misplaced letters)"
        )
    if _stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        raise InvalidUSCC("校验位不正确 / check digit does not match (GB 32100-2015)")
    return code
