// The unix port's REPL (ports/unix/main.c, do_repl) has no hook between two inputs, as pyexec's
// MICROPY_BOARD_AFTER_PYTHON_EXEC is on boards. Before each prompt it calls mp_hal_stdio_mode_raw();
// this variant links with -Wl,--wrap=mp_hal_stdio_mode_raw (mpconfigvariant.mk), so that call comes
// here first. input() calls it too, from inside running code: there an NLR handler is active (the
// one execute_from_lexer pushed around the program), while at the prompt none is, so only the
// prompt resets lp_pool's state (lp_pool_repl.h).
#include "py/mpstate.h"

#include "lp_pool_repl.h"

void __real_mp_hal_stdio_mode_raw(void);
void __wrap_mp_hal_stdio_mode_raw(void);

void __wrap_mp_hal_stdio_mode_raw(void) {
    if (MP_STATE_THREAD(nlr_top) == NULL) {
        lp_pool_repl_reset();
    }
    __real_mp_hal_stdio_mode_raw();
}
