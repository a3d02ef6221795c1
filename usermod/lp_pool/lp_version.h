// lp-pool's version: the one place it is written. _lp_pool.version, the mip package.json, the host
// wheel and the firmware names in build/dist/ all read it from here (tools/dist.py parses this line).
#ifndef LP_VERSION_H
#define LP_VERSION_H

#define LP_POOL_VERSION "0.1.0"

#endif // LP_VERSION_H
