"""One exception type for every mistake a user can fix.

The message always names the fix. The command line turns it into one line on
stderr and exit status 2; in a notebook it reads as a normal exception.
"""


class CourseError(Exception):
    """A problem the user can fix; the message says how."""


class DataNotFoundError(CourseError):
    """FashionMNIST could not be found or fetched."""


class CheckpointError(CourseError):
    """A checkpoint is missing, truncated, corrupt or belongs to another model."""


class TrainingDiverged(CourseError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""

    def __init__(self, message: str, step: int):
        super().__init__(message)
        self.step = step
