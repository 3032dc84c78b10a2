"""The convcli command line: a thin shell around read → kernel → engine → write."""


def entry() -> None:
    """The console script and ``python -m convcli``: :func:`convcli.cli.app.entry`, with
    Python's cyclic garbage collector paused from before the app and its libraries load
    (their imports make no cycles, yet ran it about 100 times: 27 ms of every run) to the
    end of the process; a job that runs long resumes it."""
    import gc

    gc.disable()
    from convcli.cli.app import entry as run_app

    run_app()
