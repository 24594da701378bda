from naslib_mini.viz.tables import claims_table, markdown_table
import pytest


def test_claims_table_is_markdown_with_escaped_pipes():
    t = claims_table([("best cell", "94.37%", "2001.00326, Table 5", "|a|b|")])
    lines = t.data.splitlines()
    assert lines[0] == "|  | paper | where in the paper | this run |"
    assert lines[1] == "|---|---|---|---|"
    assert lines[2] == "| best cell | 94.37% | 2001.00326, Table 5 | \\|a\\|b\\| |"


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="3 cells for 4 columns"):
        claims_table([("a", "b", "c")])
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        markdown_table(("x", "y"), [("only",)])
