"""Argument types shared by commands: a bad value is argparse's one-line error naming the flag."""

import argparse


def port(text: str) -> int:
    """--port: 0 (a free one) to 65535."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port: use 0-65535 (0 picks a free one)")
    return number


def positive(kind: type):
    """A type that accepts finite numbers above 0 of `kind` (int or float)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text} must be a positive number")
        return value

    return parse
