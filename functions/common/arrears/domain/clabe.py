"""The CLABE (Clave Bancaria Estandarizada): the 18-digit number of a Mexican bank account to which
SPEI transfers are sent. Three digits name the bank, three the plaza, eleven the account, and the
last is a check digit over the first seventeen (Banco de México): each digit times 3, 7, 1, 3, 7,
1, ..., each product taken modulo 10 and summed; the check digit is (10 - sum mod 10) mod 10.
"""

from __future__ import annotations

CLABE_LENGTH = 18
_WEIGHTS = (3, 7, 1)


def check_digit(first_seventeen: str) -> int:
    total = sum(int(d) * _WEIGHTS[i % 3] % 10 for i, d in enumerate(first_seventeen))
    return (10 - total % 10) % 10


def problem_with(clabe: str) -> str | None:
    """Why `clabe` is not a CLABE, or None when it is one."""
    if len(clabe) != CLABE_LENGTH or not clabe.isascii() or not clabe.isdigit():
        return f"a CLABE is {CLABE_LENGTH} digits"
    if check_digit(clabe[:-1]) != int(clabe[-1]):
        return "the CLABE's check digit does not match its first 17 digits"
    return None
