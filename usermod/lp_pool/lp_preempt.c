// The preemption hook of the qemu boards' test builds (LP_POOL_PREEMPT, lp_pool.h): a hardware timer
// fires a Python function as a hard IRQ handler at randomised instants, so the handler lands on any
// instruction of the program it interrupts: inside lp_pool's C code, between two of its critical
// sections, in the middle of a garbage collection. _lp_pool._irq_call only calls between bytecodes.
//
// _lp_pool._preempt(fn, seed, lo, hi): from now on, after a delay drawn from lo..hi ticks of the
// board's timer (xorshift32 from `seed`), fn(n) runs as shared/runtime/mpirq.c runs a hard IRQ
// handler: scheduler and GC heap locked, under nlr_push; n counts the interrupts from 1. The timer
// is stopped when the handler starts and started again with a fresh delay when it returns (a Python
// handler outlasts short delays: a periodic timer would only ever interrupt the handler's tail).
// _lp_pool._preempt() returns the number served so far; _lp_pool._preempt(None) stops the timer and
// returns it. If fn raised, the
// interrupt printed the exception as mpirq.c does and stopped the timer, and this raises
// RuntimeError naming the interrupt. The hook is also stopped between two programs
// (lp_pool_repl_reset) and at the first import of a session, so no handler of a finished program
// runs on a fresh heap. Under `qemu -icount` the timer counts instructions: a seed repeats exactly.
//
// The boards (timer, interrupt, and how it reaches us):
//  - MPS2_AN385 (Cortex-M3): CMSDK APB TIMER1 (25 MHz), IRQ 9. The port's vector table has the 16
//    system entries only, so it is copied to RAM with the IRQ entries added and VTOR pointed at the
//    copy, as the RP2040's SDK does.
//  - MICROBIT (nRF51, Cortex-M0): TIMER1 in 16-bit mode at 16 MHz (TIMER0 is lp_clock.h's), IRQ 9.
//    A Cortex-M0 has no VTOR: the table stays at address 0 in flash, and the board's linker script
//    (boards/qemu/MICROBIT) places lp_nrf51_irq_vectors, the 32 IRQ entries, right after the port's
//    16, where the core looks for them.
//  - VIRT_RV32: the CLINT machine timer (mtime at 10 MHz against mtimecmp), through a vectored
//    mtvec table of ours whose exception entry is the port's handler.
//
// With the lock's other test hooks in layer 2 (docs/internals.md): calls only MicroPython and the
// board's timer; lp_run.c and the module stop it.
#include "py/gc.h"
#include "py/mphal.h"
#include "py/runtime.h"

#include "lp_lock.h"

#if LP_POOL_PREEMPT

MP_REGISTER_ROOT_POINTER(mp_obj_t lp_preempt_fn);

typedef struct {
    volatile bool on;
    uint32_t count;        // interrupts served since the start
    uint32_t failed;       // the interrupt whose handler raised, 0 for none
    uint32_t rng;          // xorshift32 state
    uint32_t lo, span;     // delays lo .. lo + span - 1 ticks
} lp_preempt_t;

static lp_preempt_t lp_pre;

static uint32_t lp_preempt_delay(void) {
    uint32_t x = lp_pre.rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    lp_pre.rng = x;
    return lp_pre.lo + x % lp_pre.span;
}

// ---- the timers ----

#if defined(__arm__)
#define LP_NVIC_ISER0 (*(volatile uint32_t *)0xe000e100u)
#define LP_NVIC_ICER0 (*(volatile uint32_t *)0xe000e180u)
#define LP_NVIC_ICPR0 (*(volatile uint32_t *)0xe000e280u)
#define LP_PREEMPT_IRQ (9)
void lp_preempt_isr(void);
extern void Default_Handler(void);
#endif

#if defined(QEMU_SOC_MPS2)
#define LP_PREEMPT_MAX_TICKS (0x7fffffffu)
#define LP_T1(off) (*(volatile uint32_t *)(0x40001000u + (off)))
#define LP_T1_CTRL LP_T1(0x0)      // bit 0 enable, bit 3 interrupt enable
#define LP_T1_VALUE LP_T1(0x4)
#define LP_T1_RELOAD LP_T1(0x8)
#define LP_T1_INTCLEAR LP_T1(0xc)
#define LP_SCB_VTOR (*(volatile uint32_t *)0xe000ed08u)

// 16 system entries and 32 IRQs; VTOR wants the table aligned to its size rounded up to a power of 2.
static uint32_t lp_vectors[16 + 32] __attribute__((aligned(256)));

static void lp_timer_install(void) {
    if (LP_SCB_VTOR == (uint32_t)lp_vectors) {
        return;
    }
    const uint32_t *old = (const uint32_t *)LP_SCB_VTOR;
    for (size_t i = 0; i < MP_ARRAY_SIZE(lp_vectors); i++) {
        lp_vectors[i] = i < 16 ? old[i] : (uint32_t)Default_Handler;
    }
    lp_vectors[16 + LP_PREEMPT_IRQ] = (uint32_t)lp_preempt_isr;
    __asm volatile ("dsb" : : : "memory");
    LP_SCB_VTOR = (uint32_t)lp_vectors;
    __asm volatile ("dsb\n\tisb" : : : "memory");
}

static void lp_timer_stop(void) {
    LP_T1_CTRL = 0;
    LP_T1_INTCLEAR = 1;
}

static void lp_timer_start(uint32_t ticks) {
    LP_T1_RELOAD = ticks;
    LP_T1_VALUE = ticks;
    LP_T1_CTRL = 1 | 8;
}

#elif defined(QEMU_SOC_NRF51)
#define LP_PREEMPT_MAX_TICKS (0xffffu)
#define LP_T1(off) (*(volatile uint32_t *)(0x40009000u + (off)))
#define LP_T1_START LP_T1(0x000)
#define LP_T1_STOP LP_T1(0x004)
#define LP_T1_CLEAR LP_T1(0x00c)
#define LP_T1_COMPARE0 LP_T1(0x140)
#define LP_T1_INTENSET LP_T1(0x304)
#define LP_T1_INTENCLR LP_T1(0x308)
#define LP_T1_MODE LP_T1(0x504)
#define LP_T1_BITMODE LP_T1(0x508)
#define LP_T1_PRESCALER LP_T1(0x510)
#define LP_T1_CC0 LP_T1(0x540)

// IRQ entries 0..31, placed by the board's linker script right after the port's 16 system entries
// (at 0x40); lp_timer_install checks that they are there.
__attribute__((section(".lp_isr_vector"), used)) const uint32_t lp_nrf51_irq_vectors[32] = {
    [0 ... 31] = (uint32_t)Default_Handler,
    [LP_PREEMPT_IRQ] = (uint32_t)lp_preempt_isr,
};

static void lp_timer_install(void) {
    if ((uintptr_t)lp_nrf51_irq_vectors != 16 * 4) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("the IRQ vectors are not after the system ones: link with boards/qemu/MICROBIT's script"));
    }
    LP_T1_STOP = 1;
    LP_T1_MODE = 0;       // timer
    LP_T1_BITMODE = 0;    // 16 bits, as the nRF51's TIMER1 has
    LP_T1_PRESCALER = 0;  // 16 MHz
    LP_T1_INTENSET = 1u << 16; // COMPARE[0]
}

static void lp_timer_stop(void) {
    LP_T1_STOP = 1;
    LP_T1_COMPARE0 = 0;
}

static void lp_timer_start(uint32_t ticks) {
    LP_T1_CLEAR = 1;
    LP_T1_CC0 = ticks;
    LP_T1_START = 1;
}

#elif defined(QEMU_SOC_VIRT)
#define LP_PREEMPT_MAX_TICKS (0x7fffffffu)
#define LP_MTIMECMP_LO (*(volatile uint32_t *)0x02004000u)
#define LP_MTIMECMP_HI (*(volatile uint32_t *)0x02004004u)
#define LP_MTIME_LO (*(volatile uint32_t *)0x0200bff8u)
#define LP_MTIME_HI (*(volatile uint32_t *)0x0200bffcu)
#define LP_MIE_MTIE (1u << 7)

// Vectored: exceptions go to entry 0, machine timer interrupts to entry 7. The port's handlers
// (ports/qemu/mcu/rv32/interrupts.c) serve the rest.
void lp_mtvec_table(void);
__asm__ (
    "    .section .text.lp_mtvec_table, \"ax\", @progbits\n"
    "    .balign 256\n"
    "    .globl lp_mtvec_table\n"
    "    .option push\n"
    "    .option norvc\n"
    "lp_mtvec_table:\n"
    "    j mtvec_exception\n"
    "    .rept 6\n"
    "    j mtvec_nop\n"
    "    .endr\n"
    "    j lp_preempt_mti\n"
    "    .rept 8\n"
    "    j mtvec_nop\n"
    "    .endr\n"
    "    .option pop\n"
    "    .text\n"
    );

static uint32_t lp_mtvec_saved;

static void lp_timer_install(void) {
    uint32_t mtvec;
    __asm volatile ("csrr %0, mtvec" : "=r" (mtvec));
    if ((mtvec & ~3u) != (uint32_t)lp_mtvec_table) {
        lp_mtvec_saved = mtvec;
        __asm volatile ("csrw mtvec, %0" : : "r" ((uint32_t)lp_mtvec_table | 1u) : "memory");
    }
}

static void lp_timer_stop(void) {
    LP_MTIMECMP_HI = 0xffffffffu; // no interrupt until written again
    LP_MTIMECMP_LO = 0xffffffffu;
}

static void lp_timer_start(uint32_t ticks) {
    uint32_t hi, lo;
    do {
        hi = LP_MTIME_HI;
        lo = LP_MTIME_LO;
    } while (hi != LP_MTIME_HI);
    uint64_t at = (((uint64_t)hi << 32) | lo) + ticks;
    LP_MTIMECMP_HI = 0xffffffffu; // the usual order: never a transient compare in the past
    LP_MTIMECMP_LO = (uint32_t)at;
    LP_MTIMECMP_HI = (uint32_t)(at >> 32);
}
#endif

// ---- the interrupt ----

// fn(n) as mpirq.c's mp_irq_handler calls a hard handler.
static void lp_preempt_serve(void) {
    lp_timer_stop();
    if (!lp_pre.on) {
        return;
    }
    uint32_t n = ++lp_pre.count;
    mp_sched_lock();
    gc_lock();
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_call_function_1(MP_STATE_VM(lp_preempt_fn), MP_OBJ_NEW_SMALL_INT(n));
        nlr_pop();
    } else {
        lp_pre.on = false;
        lp_pre.failed = n;
        mp_printf(MICROPY_ERROR_PRINTER, "Uncaught exception in IRQ callback handler (preemption %u)\n", (unsigned)n);
        mp_obj_print_exception(MICROPY_ERROR_PRINTER, MP_OBJ_FROM_PTR(nlr.ret_val));
    }
    gc_unlock();
    mp_sched_unlock();
    if (lp_pre.on) {
        lp_timer_start(lp_preempt_delay());
    }
}

#if defined(__arm__)
void lp_preempt_isr(void) {
    lp_preempt_serve();
}

static void lp_irq_enable(bool on) {
    if (on) {
        LP_NVIC_ICPR0 = 1u << LP_PREEMPT_IRQ;
        LP_NVIC_ISER0 = 1u << LP_PREEMPT_IRQ;
    } else {
        LP_NVIC_ICER0 = 1u << LP_PREEMPT_IRQ;
        LP_NVIC_ICPR0 = 1u << LP_PREEMPT_IRQ;
    }
}
#else
__attribute__((interrupt("machine"), used)) void lp_preempt_mti(void);
void lp_preempt_mti(void) {
    lp_preempt_serve();
}

// The port runs with mstatus.MIE clear (its startup never sets it): the hook sets it while it runs,
// so the atomic section (boards/qemu/lp_atomic.h), which clears MIE and restores it, has something
// to hold off; stopping clears it again, as the port had it.
static void lp_irq_enable(bool on) {
    if (on) {
        __asm volatile ("csrs mie, %0" : : "r" (LP_MIE_MTIE) : "memory");
        __asm volatile ("csrsi mstatus, 8" : : : "memory");
    } else {
        __asm volatile ("csrci mstatus, 8" : : : "memory");
        __asm volatile ("csrc mie, %0" : : "r" (LP_MIE_MTIE) : "memory");
        if (lp_mtvec_saved != 0) {
            __asm volatile ("csrw mtvec, %0" : : "r" (lp_mtvec_saved) : "memory");
            lp_mtvec_saved = 0;
        }
    }
}
#endif

void lp_preempt_stop(void) {
    lp_pre.on = false;
    lp_timer_stop();
    lp_irq_enable(false);
    MP_STATE_VM(lp_preempt_fn) = MP_OBJ_NULL;
}

static mp_obj_t lp_mod_preempt(size_t n_args, const mp_obj_t *args) {
    if (n_args == 0) {
        // The number served so far, the timer left running; RuntimeError if the handler raised
        // (the timer has stopped then: a loop waiting for more interrupts would never end).
        if (lp_pre.failed != 0) {
            uint32_t failed = lp_pre.failed;
            lp_preempt_stop();
            lp_pre.failed = 0;
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("the preemption handler raised at interrupt %u"), (unsigned)failed);
        }
        return mp_obj_new_int_from_uint(lp_pre.count);
    }
    if (args[0] == mp_const_none) {
        lp_preempt_stop();
        uint32_t failed = lp_pre.failed;
        lp_pre.failed = 0;
        if (failed != 0) {
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("the preemption handler raised at interrupt %u"), (unsigned)failed);
        }
        return mp_obj_new_int_from_uint(lp_pre.count);
    }
    if (n_args != 4) {
        mp_raise_TypeError(MP_ERROR_TEXT("_preempt(fn, seed, lo, hi) or _preempt(None)"));
    }
    if (!mp_obj_is_callable(args[0])) {
        mp_raise_TypeError(MP_ERROR_TEXT("fn must be callable"));
    }
    mp_uint_t seed = mp_obj_get_int_truncated(args[1]);
    mp_int_t lo = mp_obj_get_int(args[2]), hi = mp_obj_get_int(args[3]);
    if (lo < 1 || hi < lo || (mp_uint_t)hi > LP_PREEMPT_MAX_TICKS) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("need 1 <= lo <= hi <= %u ticks"), (unsigned)LP_PREEMPT_MAX_TICKS);
    }
    lp_preempt_stop();
    lp_timer_install();
    MP_STATE_VM(lp_preempt_fn) = args[0];
    lp_pre.count = 0;
    lp_pre.failed = 0;
    lp_pre.rng = seed != 0 ? (uint32_t)seed : 0x9e3779b9u; // xorshift never leaves 0
    lp_pre.lo = (uint32_t)lo;
    lp_pre.span = (uint32_t)(hi - lo) + 1;
    lp_pre.on = true;
    lp_irq_enable(true);
    lp_timer_start(lp_preempt_delay());
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lp_preempt_obj, 0, 4, lp_mod_preempt);

#endif // LP_POOL_PREEMPT

// ---- the qemu test boards: no compiler words under a program (LP_QEMU_SCRUB_STACK, lp_qemu.mk) ----
// pyexec compiles a program and then calls it from the same frame (parse_compile_execute), so the
// program's frames are laid over what mp_parse and mp_compile left on the C stack. A slot no frame
// writes (alignment padding, a local set on one path only) keeps such a word: the address of a parse
// node or compiler object, freed once compiling ends. The collector scans the C stack conservatively,
// so whatever later takes that GC block stays alive for the whole program. Seen on these boards with
// lp handles: garbage_collect.py on qemu-m0 (the padding word of fun_bc_call's frame for the program
// itself, 0xd4 below the stack top) and string_basics.py on qemu-rv32 (0x1a4 below the top); both
// words already named the handle's block before the program's first line ran. The boards exist to run
// tests, whose results must not depend on where the compiler's garbage lay: their builds zero the
// stack below parse_compile_execute between compiling and calling, when pyexec enables ^C
// (mp_hal_set_interrupt_char), which the boards link to here (-Wl,--wrap). A real board keeps those
// words: docs/garbage.md says what the collector may keep.
#if LP_QEMU_SCRUB_STACK

void __real_mp_hal_set_interrupt_char(int c);

// Zeroes the 11 KiB of stack below its caller: more than MicroPython's stack limit on these boards
// (10 KiB, ports/qemu/main.c), the deepest the compiler or the program reaches. Every board has
// room: the stack is 46 KiB on MICROBIT, 64 KiB on VIRT_RV32, megabytes on MPS2_AN385. The words
// are this frame's own array (lp_bench.c's lp_gc_scrub does the same for 1 KiB).
static MP_NOINLINE void lp_scrub_stack(void) {
    volatile uintptr_t words[11 * 1024 / sizeof(uintptr_t)];
    for (size_t i = 0; i < MP_ARRAY_SIZE(words); i++) {
        words[i] = 0;
    }
}

void __wrap_mp_hal_set_interrupt_char(int c) {
    if (c != -1) {
        lp_scrub_stack();
    }
    __real_mp_hal_set_interrupt_char(c);
}
#endif
