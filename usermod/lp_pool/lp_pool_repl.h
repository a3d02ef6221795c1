// What a board or port adds so that no pool stays current between two programs.
//
// A `with pool:` block can be left without its exit: suspended at an await in a task the event
// loop drops when asyncio.run() returns, or in a generator never resumed. Its heap lock level and
// current pool would outlive the program and break every later REPL line. lp_pool_repl_reset()
// drops the calling thread's pool levels and releases the heap lock levels lp_pool holds in it
// (lp_run.c invariant 6); it must only be called where no Python code of the thread is running.
//
// Ports whose REPL is shared/runtime/pyexec.c (rp2, esp32, stm32, qemu, ...): in the board's
// mpconfigboard.h
//     #include "lp_pool_repl.h"
//     #define MICROPY_BOARD_AFTER_PYTHON_EXEC LP_POOL_AFTER_PYTHON_EXEC
// runs it after every REPL line, raw REPL command (mpremote), boot.py and main.py. The unix port has
// no such hook: boards/unix wraps the call its REPL makes before each prompt.
#ifndef LP_POOL_REPL_H
#define LP_POOL_REPL_H

#ifndef __ASSEMBLER__
void lp_pool_repl_reset(void);
#endif

#define LP_POOL_AFTER_PYTHON_EXEC(input_kind, exec_flags, ret_val, ret) lp_pool_repl_reset()

#endif // LP_POOL_REPL_H
