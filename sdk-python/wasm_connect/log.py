"""Lines for the worker's log; the host adds the connector and task.

What a plugin prints to stdout and stderr reaches the log too, but these
carry a level."""


def _log(level, message):
    from wit_world.imports import host

    host.log(getattr(host.LogLevel, level), str(message))


def trace(message):
    """Log at TRACE."""
    _log("TRACE", message)


def debug(message):
    """Log at DEBUG."""
    _log("DEBUG", message)


def info(message):
    """Log at INFO."""
    _log("INFO", message)


def warn(message):
    """Log at WARN."""
    _log("WARN", message)


def error(message):
    """Log at ERROR."""
    _log("ERROR", message)
