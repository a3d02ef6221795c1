# A full (type, scope) table in the middle of an LpBTreeMap insert: the insert needs a text block
# (one row) and a node (another row). When the table has room for the first only, the insert gives
# the text block back before it raises, so the map and the pool are as they were and nothing leaks.
import gc

import lp_pool

if not lp_pool.alloc_meta:
    print("SKIP: allocation tracking is not compiled in (build with LP_POOL_ALLOC_META=1)")
    raise SystemExit

from lp_pool import LpBox, LpBTreeMap, LpBuffer, LpMemoryPool, LpString

small = LpMemoryPool(bytearray(4096), meta_rows=3)  # row 0: pinned; row 1: the map's head
m = LpBTreeMap(pool=small)
used = small.stats()["used"]
try:
    m["key"] = 1  # row 2 for the key's text block, then no row left for the node
except RuntimeError as e:
    print("RuntimeError:", e)
rows = small.meta()  # only the head's row: its bytes are all that is used
print(len(m), small.stats()["used"] == used, rows[0][:3], rows[0][3] == used, small.check(), m._check())
m.free()
gc.collect()
print(small.stats()["used"], small.stats()["objects"], small.check())
small.close()

# Rows held by garbage come back before a full table raises: a new object's allocation collects
# once, as it does for a full pool.
small = LpMemoryPool(bytearray(8192), meta_rows=3)  # row 0: pinned; two rows for the rest


def litter():
    LpBuffer(8, pool=small)
    LpBox(1, pool=small)  # both rows taken by objects nobody holds


litter()
s = LpString("hi", pool=small)
print("garbage rows reclaimed:", s, small.check())
b = LpBuffer(8, pool=small)
try:
    LpBox(2, pool=small)  # live objects hold both rows: this one is really full
except RuntimeError as e:
    print("RuntimeError:", e)
s.free()
b.free()
print(small.check(), small.stats()["objects"])
small.close()
