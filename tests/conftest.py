"""Shared pytest set-up: unit tests run in the fast ``smoke`` profile unless told otherwise."""

import os

os.environ.setdefault("GAN_COURSE_PROFILE", "smoke")
