"""The convcli command line: a thin shell around read → kernel → engine → write."""
