"""Signal CSVs: one package for sniffing, parsing, formatting, batch tables and streams.

- :mod:`~convcli.io.csv.sniff`: delimiter, header, time/index and text columns (CsvFormat),
  from a text or a large file's first bytes;
- :mod:`~convcli.io.csv.rows`: data lines → numbers and passthrough cells, and back;
- :mod:`~convcli.io.csv.format`: numbers without noise (the one rule for writing a value);
- :mod:`~convcli.io.csv.polars_parse`: polars' parse of the rows, numpy-free; the checks,
  the numbers out and the writer in :mod:`~convcli.io.csv.polars`: the same results faster
  (large inputs);
- :mod:`~convcli.io.csv.early`: a large file read and parsed on a thread while a job loads;
- :mod:`~convcli.io.csv.table`: a whole table read and written (``read_signal``/``write_signal``);
- :mod:`~convcli.io.csv.stream`: a table read and written as its bytes arrive;
- :mod:`~convcli.io.csv.timeaxis`: the warning for a time column with uneven steps.
"""
