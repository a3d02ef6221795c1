// What a board or port adds so that no pool stays current between two programs.
//
// A `with pool:` block can be left without its exit: suspended at an await in a task the event
// loop drops when asyncio.run() returns, or in a generator never resumed. Its heap lock level and
// current pool would outlive the program and break every later REPL line. lp_pool_repl_reset()
// drops the calling thread's pool levels and releases the heap lock levels lp_pool holds in it
// (lp_run.c invariant 6); it must only be called where no Python code of the thread is running.
//
// Ports whose REPL is shared/runtime/pyexec.c (rp2, esp32, stm32, qemu, ..., and unix from
// MicroPython 1.26 on): the module's micropython.mk and micropython.cmake define pyexec's
// MICROPY_BOARD_AFTER_PYTHON_EXEC, which runs after every REPL line, raw REPL command (mpremote),
// boot.py and main.py. pyexec.c sees none of lp_pool's headers, so the hook calls through a root
// pointer, MP_STATE_VM(lp_repl_hook), that the module sets when it is imported (until then lp_pool
// has no state to drop). A board that defines the hook itself builds with LP_POOL_REPL_HOOK=0 and
// calls lp_pool_repl_reset() from it.
// The unix port of 1.25 has its own REPL without a hook: boards/unix wraps the call it makes before
// each prompt (lp_repl_hook.c).
#ifndef LP_POOL_REPL_H
#define LP_POOL_REPL_H

void lp_pool_repl_reset(void);

#endif // LP_POOL_REPL_H
