from convcli.cli.app import entry

entry()
