"""The time column's check: a polars column, read as numbers in polars, warns exactly as its
plain cells do, a slice at a time, fed in blocks (a stream)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcli.io.csv.timeaxis as timeaxis
from convcli.io.csv.sniff import CsvFormat
from convcli.io.csv.timeaxis import TimeSteps

pl = pytest.importorskip("polars")

FMT = CsvFormat(delimiter=",", names=("year", "x"), filtered=(1,), time_columns=(0,),
                header="year,x")


def cells_of(kind: str, n: int, at: int) -> list[str]:
    """``n`` time cells of a kind, the odd one (when the kind has one) at row ``at``."""
    cells = [str(1800 + i) for i in range(n)]
    if kind == "decimal":
        cells = [repr(round(i * 0.1, 1)) for i in range(n)]
    elif kind == "repeats":
        cells = [str(1800 + i // 4) for i in range(n)]
    elif kind == "odd":
        cells[at] = str(int(cells[at]) + 2)
    elif kind == "back":
        cells[at] = "1700"
    elif kind == "jump":
        cells = [str(1800 + i + 10 * (i >= at)) for i in range(n)]
    elif kind == "constant":
        cells = ["7"] * n
    elif kind == "empty cell":
        cells[at] = ""
    elif kind == "nan":
        cells[at] = "nan"
    elif kind == "mixed":
        cells[at] = f"{cells[at]}.0"
    elif kind == "epoch ns":  # integers beyond float64's 2**53: rounded alike either way
        cells = [str(1_700_000_000_123_456_789 + 1_000_000_007 * i) for i in range(n)]
    elif kind == "dates":
        cells = [f"2020-01-{1 + i % 28:02d}" for i in range(n)]
    return cells


def warnings(blocks, as_series: bool) -> list[str]:
    steps = TimeSteps(FMT, "in.csv")
    found, line = [], 2
    for block in blocks:
        column = pl.Series(block, dtype=pl.String) if as_series else block
        message = steps.feed([column], [], line)
        found += [message] if message else []
        line += len(block)
    return found


KINDS = ["steady", "decimal", "repeats", "odd", "back", "jump", "constant", "empty cell",
         "nan", "mixed", "epoch ns", "dates"]


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(KINDS), n=st.integers(1, 300), slice_rows=st.sampled_from([7, 64]),
       data=st.data())
def test_a_polars_column_warns_as_its_cells_do(kind, n, slice_rows, data):
    """Blocks fed one after another (a stream), each checked a few cells at a time."""
    at = data.draw(st.integers(0, n - 1))
    cells = cells_of(kind, n, at)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    blocks = [cells[a:b] for a, b in zip([0, *cuts], [*cuts, n])]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(timeaxis, "SLICE_ROWS", slice_rows)
        assert warnings(blocks, as_series=True) == warnings(blocks, as_series=False)


@pytest.mark.parametrize("as_series", [True, False])
def test_a_jump_between_blocks_is_found(as_series):
    """The step from one block's last cell to the next block's first is checked too."""
    cells = cells_of("jump", 300, 100)
    (message,) = warnings([cells[:100], cells[100:]], as_series=as_series)
    assert "steps by 11 at line 102" in message


@pytest.mark.parametrize("kind", ["odd", "back"])
def test_an_odd_step_is_found_at_its_line_in_any_block(kind):
    cells = cells_of(kind, 600_000, 450_000)
    (message,) = warnings([cells[:70_000], cells[70_000:]], as_series=True)
    assert ("at line 450002" if kind == "odd" else "goes back") in message
