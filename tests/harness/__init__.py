"""Test harness: runs MicroPython-side scripts on a target and judges their output."""
