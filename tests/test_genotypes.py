"""Cell and Genotype: validation with readable errors, string and DARTS-list round trips."""
import pytest

from naslib_mini.genotypes import DARTS_PRIMITIVES, DARTS_V2, Cell, Genotype, GenotypeError

NB201 = dict(primitives=("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"),
             n_inputs=1, edges_per_node="all", concat=(3,))
NB201_STR = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_darts_v2_is_the_published_cell():
    n = DARTS_V2.normal
    assert (n.n_inputs, n.n_nodes, len(n.edges), n.output_nodes) == (2, 4, 8, (2, 3, 4, 5))
    assert n.to_string() == ("|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~0|sep_conv_3x3~1|+"
                             "|sep_conv_3x3~1|skip_connect~0|+|skip_connect~0|dil_conv_3x3~2|")
    assert n.edges[-1] == (2, 5, "dil_conv_3x3")  # node 5 reads node 2 (global numbering)
    assert {op for _, _, op in DARTS_V2.reduce.edges} == {"max_pool_3x3", "skip_connect"}


@pytest.mark.parametrize("cell", [DARTS_V2.normal, DARTS_V2.reduce])
def test_darts_cells_round_trip(cell):
    assert Cell.from_string(cell.to_string()) == cell
    assert Cell.from_darts(cell.to_darts(), concat=[2, 3, 4, 5]) == cell
    assert Cell.from_string(cell.to_string(), concat=(2, 3, 4, 5)) == cell  # concat normalised


def test_nb201_cell_round_trip():
    cell = Cell.from_string(NB201_STR, **NB201)
    assert cell.to_string() == NB201_STR
    assert Cell.from_string(cell.to_string(), **NB201) == cell
    assert (cell.n_nodes, cell.output_nodes, len(cell.edges)) == (3, (3,), 6)
    assert [(s, d) for s, d, _ in cell.edges] == [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]
    assert Cell.from_darts(cell.to_darts(), n_inputs=1, edges_per_node="all",
                           primitives=NB201["primitives"], concat=(3,)) == cell


def test_lists_become_tuples_and_cells_hash():
    cell = Cell([[["sep_conv_3x3", 0], ["skip_connect", 1]]], concat=[2])
    assert cell.nodes == ((("sep_conv_3x3", 0), ("skip_connect", 1)),)
    assert cell == Cell(((("sep_conv_3x3", 0), ("skip_connect", 1)),))
    assert len({cell, DARTS_V2.normal, DARTS_V2.normal}) == 2


def test_any_number_of_edges_and_repeated_sources_allowed_with_none():
    cell = Cell(((("skip_connect", 0),), (("sep_conv_3x3", 1), ("sep_conv_3x3", 1), ("none", 2))),
                edges_per_node=None)
    assert Cell.from_string(cell.to_string(), edges_per_node=None) == cell


def _error(make, *words):
    with pytest.raises(GenotypeError) as info:
        make()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    return msg


def test_unknown_op_names_it_and_suggests():
    msg = _error(lambda: Cell(((("sep_conv3x3", 0), ("skip_connect", 1)),)),
                 "unknown op", "'sep_conv3x3'", "Did you mean 'sep_conv_3x3'", "node 2", "edge 0")
    assert all(op in msg for op in DARTS_PRIMITIVES)  # the known ops are listed
    _error(lambda: Cell(((("banana", 0), ("skip_connect", 1)),)), "unknown op", "'banana'")


@pytest.mark.parametrize("src", [-1, 1.0, "0", None, True])
def test_dangling_input(src):
    _error(lambda: Cell(((("skip_connect", 0), ("sep_conv_3x3", src)),)), "dangling", "node 2", "edge 1")


def test_dangling_concat():
    _error(lambda: Cell(DARTS_V2.normal.nodes, concat=(2, 6)), "concat", "dangling", "6")
    _error(lambda: Cell(DARTS_V2.normal.nodes, concat=(2, 2)), "concat", "twice")


def test_forward_pointing_input():
    nodes = list(DARTS_V2.normal.nodes)
    nodes[1] = (("skip_connect", 0), ("sep_conv_3x3", 4))  # node 3 reads node 4
    _error(lambda: Cell(nodes), "forward-pointing", "node 3 reads node 4", "computed after it")
    nodes[1] = (("skip_connect", 0), ("sep_conv_3x3", 3))
    _error(lambda: Cell(nodes), "forward-pointing", "node 3 reads itself")


def test_wrong_number_of_edges():
    _error(lambda: Cell(((("skip_connect", 0),),)), "wrong number of edges", "node 2", "has 1 edge,", "expected 2")
    _error(lambda: Cell.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|", **NB201),
           "wrong number of edges", "expected 2")
    _error(lambda: Cell.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|", **NB201),
           "increasing order")
    _error(lambda: Cell.from_darts(DARTS_V2.normal.to_darts()[:-1]), "wrong number of edges")


def test_empty_node_and_empty_cell():
    _error(lambda: Cell(((),), edges_per_node=None), "no edges", "node 2")
    _error(lambda: Cell(()), "empty cell")
    _error(lambda: Cell.from_string(""), "empty")


@pytest.mark.parametrize("s,words", [
    ("sep_conv_3x3~0|skip_connect~1|", ["start and end with '|'", "'sep_conv_3x3~0|skip_connect~1|'"]),
    ("|sep_conv_3x3~0|skip_connect~1", ["start and end with '|'"]),
    ("|sep_conv_3x3 0|skip_connect~1|", ["'op~src'", "'sep_conv_3x3 0'"]),
    ("|sep_conv_3x3~a|skip_connect~1|", ["integer source", "'sep_conv_3x3~a'"]),
    ("|sep_conv_3x3~1.0|skip_connect~1|", ["integer source", "'sep_conv_3x3~1.0'"]),
    ("|~0|skip_connect~1|", ["op name", "'~0'"]),
    ("|sep_conv_3x3~0~1|skip_connect~1|", ["one '~'"]),
    ("|sep_conv_3x3~0|skip_connect~1|+", ["empty group"]),
    ("|sep_conv_3x3~0|skip_connect~1|++|skip_connect~0|skip_connect~1|", ["empty group"]),
    ("||", ["empty group"]),
    ("|sep_conv_3x3~0||skip_connect~1|", ["'op~src'"]),
    ("|sep_conv_3x3~0|skip_connect~1|x", ["start and end with '|'", "x'"]),
    ("__import__('os').system('echo hacked')", ["start and end with '|'", "__import__"]),
])
def test_malformed_strings(s, words):
    _error(lambda: Cell.from_string(s), *words)


def test_no_eval_of_genotype_strings(monkeypatch):
    import builtins

    def no_eval(*args, **kwargs):
        raise AssertionError("eval/exec must never be used")
    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    assert Cell.from_string(DARTS_V2.normal.to_string()) == DARTS_V2.normal
    _error(lambda: Genotype.from_string("normal=__import__('os') reduce=|x~0|"), "start and end")


def test_genotype_round_trip_and_missing_parts():
    s = DARTS_V2.to_string()
    assert s.startswith("normal=|sep_conv_3x3~0|") and " reduce=|max_pool_3x3~0|" in s
    assert Genotype.from_string(s) == DARTS_V2
    normal, reduce = s.split()
    assert Genotype.from_string(f"{reduce} {normal}") == DARTS_V2  # order does not matter
    _error(lambda: Genotype.from_string(normal), "reduce", "missing")
    _error(lambda: Genotype.from_string(reduce), "normal", "missing")
    _error(lambda: Genotype.from_string(""), "normal and reduce", "missing")
    _error(lambda: Genotype.from_string(f"{normal} {normal} {reduce}"), "twice")
    _error(lambda: Genotype.from_string(f"{normal} cell={reduce[7:]}"), "unexpected part")
    _error(lambda: Genotype(DARTS_V2.normal, "x"), "reduce", "Cell")
