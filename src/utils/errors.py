"""One small exception hierarchy. `main()` functions turn these into one stderr line and exit code 2."""


class ShowcaseError(Exception):
    """A user-facing error: the message says what went wrong, where, and what to do next."""

    exit_code = 2


class DataFileError(ShowcaseError):
    """The data file is missing, unreadable or has an unusable header."""


class ConfigError(ShowcaseError):
    """A flag, option or configuration file (such as a price catalog) is invalid."""


class OutOfMemory(ShowcaseError):
    """The data has more groups (customers, cells) than this machine's memory holds."""
