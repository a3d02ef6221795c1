# A full (type, scope) table in the middle of an LpBTreeMap insert: the insert needs a text block
# (one row) and a node (another row). When the table has room for the first only, the insert gives
# the text block back before it raises, so the map and the pool are as they were and nothing leaks.
import gc

import lp_pool

if not lp_pool.alloc_meta:
    print("SKIP: allocation tracking is not compiled in (build with LP_POOL_ALLOC_META=1)")
    raise SystemExit

from lp_pool import LpBTreeMap, LpMemoryPool

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
