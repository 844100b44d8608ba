"""`make mutate`'s verdict: a module fails below the threshold, one without mutants is only reported,
and an equivalent mutant is known by the change it makes, wherever the line has moved."""

import pytest

# mutmut comes with the dev extras; a venv made before it was added skips these until `make install`.
pytest.importorskip("mutmut")

from mutation.report import Change, Equivalent, Score, function_of, function_spans, print_report

SOURCE = """\
def parse(text):
    return int(text)


class Money:
    def add(self, other):
        return self.minor + other.minor
"""


def test_a_mutants_function_is_named_as_the_source_names_it():
    assert function_of("arrears.domain.money.x_parse__mutmut_12") == "parse"
    assert function_of("arrears.domain.money.xǁMoneyǁadd__mutmut_3") == "Money.add"
    assert function_of("arrears.domain.money.xǁMoneyǁ__post_init____mutmut_1") == "Money.__post_init__"


def test_functions_are_found_with_their_lines():
    assert function_spans(SOURCE) == {"parse": (1, 2), "Money.add": (6, 7)}


def _change(line: int, after: str = "return None") -> Change:
    return Change("arrears.domain.money", "parse", line, "return int(text)", after, "m")


def test_an_equivalent_matches_its_change_on_any_line_and_no_other_change():
    entry = Equivalent("arrears.domain.money", "parse", "return int(text)", "return None", "why")
    assert entry.matches(_change(2)) and entry.matches(_change(40))
    assert not entry.matches(_change(2, after="return int(None)"))


@pytest.mark.parametrize(("killed", "failing"), [(8, True), (9, False), (10, False)])
def test_a_module_fails_below_the_threshold_after_its_equivalents_are_set_aside(killed, failing, capsys):
    # 11 mutants, 1 equivalent: 9 of 10 is 90%
    score = Score("arrears.domain.money", total=11, killed=killed, equivalent=1)
    assert print_report([score], [], threshold=90) is failing


def test_a_module_without_mutants_is_reported_not_failed(capsys):
    assert print_report([Score("arrears.domain.errors")], [], threshold=90) is False
    assert "no mutants" in capsys.readouterr().out


def test_an_unfinished_run_fails(capsys):
    assert print_report([Score("arrears.domain.money", total=10, killed=10, unchecked=1)], [], 90) is True
