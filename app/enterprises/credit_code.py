"""The 18-character unified social credit code (统一社会信用代码, GB 32100-2015)."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str | None) -> str | None:
    """A Chinese message saying what is wrong with a code, or None when it is valid."""
    if not code:
        return "统一社会信用代码不能为空"
    code = code.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        return f"统一社会信用代码含有无效字符“{bad[0]}”"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确"
    return None


def is_valid_credit_code(code: str | None) -> bool:
    return credit_code_error(code) is None


def normalize_credit_code(code: str) -> str:
    return code.strip().upper()
