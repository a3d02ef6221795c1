# help(LpVec) lists the properties with the methods (issue 18). help() is compiled in on unix
# (MICROPY_PY_BUILTINS_HELP), not on the qemu boards: those print SKIP with the reason.
try:
    help  # noqa: B018 (is it there?)
except NameError:
    print("SKIP: this build has no help() (MICROPY_PY_BUILTINS_HELP is 0)")
    raise SystemExit

from lp_pool import LpMemoryPool, LpVec

help(LpVec)
help(LpMemoryPool)
