"""The jobs behind the commands: read → kernel → engine → write, no arithmetic of their own."""
