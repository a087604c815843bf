"""One exception type for every mistake a user can fix.

The message always names the fix. The command line turns it into one line on
stderr and exit status 2; in a notebook it reads as a normal exception.
"""

#: Where messages send a user whose training shows a known failure (the book page, and its file).
TROUBLESHOOTING = "the troubleshooting page of the course (book/troubleshooting.ipynb)"


class CourseError(Exception):
    """A problem the user can fix; the message says how."""


class DataNotFoundError(CourseError):
    """FashionMNIST could not be found or fetched."""


class CheckpointError(CourseError):
    """A checkpoint is missing, truncated, corrupt or belongs to another model."""


class TrainingDiverged(CourseError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""

    def __init__(self, message: str, step: int, history: dict | None = None):
        super().__init__(message)
        self.step = step  # the first step whose numbers were not finite
        self.history = history  # the run's history up to that step (for plotting the run-up), if kept


class OutputError(CourseError, OSError):
    """A file cannot be written where asked (a folder, a device, a read-only or full disk, ...).

    Also an ``OSError``, so code that catches disk errors keeps working.
    """
