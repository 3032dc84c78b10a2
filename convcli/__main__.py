from convcli.cli import entry

entry()
