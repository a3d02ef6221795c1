// What a board or port adds so that no pool stays current between two programs.
//
// A `with pool:` block can be left without its exit: suspended at an await in a task the event
// loop drops when asyncio.run() returns, or in a generator never resumed. Its heap lock level and
// current pool would outlive the program and break every later REPL line. lp_pool_repl_reset()
// drops the calling thread's pool levels and releases the heap lock levels lp_pool holds in it
// (lp_run.c invariant 6); it must only be called where no Python code of the thread is running.
//
// Ports whose REPL is shared/runtime/pyexec.c (rp2, esp32, stm32, qemu, ...): in the board's
// mpconfigboard.h (self-contained, as boards/LP_RPI_PICO has it, on one line or continued)
//     #define MICROPY_BOARD_AFTER_PYTHON_EXEC(input_kind, exec_flags, ret_val, ret)
//         do { extern void lp_pool_repl_reset(void); lp_pool_repl_reset(); } while (0)
// runs it after every REPL line, raw REPL command (mpremote), boot.py and main.py; a board that has
// its own hook calls lp_pool_repl_reset() from it. Boards without a header put the same definition
// in CFLAGS (boards/qemu). The unix port has no such hook: boards/unix wraps the call its REPL makes
// before each prompt (lp_repl_hook.c).
#ifndef LP_POOL_REPL_H
#define LP_POOL_REPL_H

void lp_pool_repl_reset(void);

#endif // LP_POOL_REPL_H
