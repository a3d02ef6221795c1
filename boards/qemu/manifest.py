# Frozen into both qemu boards: only the lp_pool package (the port's own test modules are left out).
include("../../lp_pool_py/manifest.py")
