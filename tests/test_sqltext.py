"""The SQL splitter shared by placeholder rewriting and parameter inlining (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cursor_stream.sqltext import split_sql


def kinds(sql: str) -> list[tuple[str, str]]:
    return list(split_sql(sql))


def test_each_kind_of_segment_is_recognised():
    sql = (
        "SELECT 'a''b', E'c\\'d', \"Col\"\"x\", $$ body $$, $tag$ $1 $tag$ -- note\n"
        "/* outer /* inner */ still */ x$1, $1"
    )
    assert kinds(sql) == [
        ("code", "SELECT "),
        ("string", "'a''b'"),
        ("code", ", "),
        ("string", "E'c\\'d'"),
        ("code", ", "),
        ("ident", '"Col""x"'),
        ("code", ", "),
        ("dollar", "$$ body $$"),
        ("code", ", "),
        ("dollar", "$tag$ $1 $tag$"),
        ("code", " "),
        ("comment", "-- note"),
        ("code", "\n"),
        ("comment", "/* outer /* inner */ still */"),
        ("code", " x$1, $1"),
    ]


def test_an_identifier_ending_in_e_does_not_start_an_escape_string():
    assert kinds("SELECT type'x\\'") == [("code", "SELECT type"), ("string", "'x\\'")]


def test_unterminated_segments_run_to_the_end():
    assert kinds("SELECT 'open") == [("code", "SELECT "), ("string", "'open")]
    assert kinds("/* open") == [("comment", "/* open")]
    assert kinds("$q$ open") == [("dollar", "$q$ open")]


@given(st.text(alphabet=st.sampled_from(list("ab$1'\"-/*eE\\ \n%s")), max_size=40))
def test_segments_always_concatenate_back_to_the_input(sql):
    assert "".join(text for _kind, text in split_sql(sql)) == sql
