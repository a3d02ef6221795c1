// A free-running clock on the emulated boards, read without an interrupt and counting up: what the
// benchmarks time with (_lp_bench.ticks_cpu) and what the test build's critical-section recorder
// reads (lp_run.c). MicroPython's qemu port has neither a time module nor a tick source.
//
//  - MPS2 (Cortex-M3): the CMSDK APB TIMER0, clocked by the 25 MHz system clock (40 ns a tick),
//    counting down from 0xffffffff.
//  - nRF51 (Cortex-M0): TIMER0 in timer mode, 32 bits, prescaler 0: 16 MHz (62.5 ns a tick),
//    counting up; read by triggering its CAPTURE[0] task and reading CC[0].
//
// Under `qemu -icount shift=N` virtual time advances 2^N ns per guest instruction, so a tick is
// 40 / 2^N (MPS2) or 62.5 / 2^N (nRF51) instructions; tools/bench_mp.py converts.
#ifndef LP_CLOCK_H
#define LP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#if defined(QEMU_SOC_MPS2)
#define LP_CLOCK (1)
#define LP_CLOCK_HZ (25000000)
#define LP_TIMER0_BASE (0x40000000u)
#define LP_TIMER_CTRL (*(volatile uint32_t *)(LP_TIMER0_BASE + 0x0))
#define LP_TIMER_VALUE (*(volatile uint32_t *)(LP_TIMER0_BASE + 0x4))
#define LP_TIMER_RELOAD (*(volatile uint32_t *)(LP_TIMER0_BASE + 0x8))

static inline void lp_clock_start(void) {
    if (!(LP_TIMER_CTRL & 1)) {
        LP_TIMER_RELOAD = 0xffffffffu;
        LP_TIMER_VALUE = 0xffffffffu;
        LP_TIMER_CTRL = 1; // enable, no interrupt
    }
}

static inline uint32_t lp_clock(void) {
    return 0xffffffffu - LP_TIMER_VALUE;
}

#elif defined(QEMU_SOC_NRF51)
#define LP_CLOCK (1)
#define LP_CLOCK_HZ (16000000)
#define LP_NRF_TIMER0_BASE (0x40008000u)
#define LP_NRF_TIMER(off) (*(volatile uint32_t *)(LP_NRF_TIMER0_BASE + (off)))
#define LP_NRF_TASKS_START LP_NRF_TIMER(0x000)
#define LP_NRF_TASKS_CAPTURE0 LP_NRF_TIMER(0x040)
#define LP_NRF_MODE LP_NRF_TIMER(0x504)
#define LP_NRF_BITMODE LP_NRF_TIMER(0x508)
#define LP_NRF_PRESCALER LP_NRF_TIMER(0x510)
#define LP_NRF_CC0 LP_NRF_TIMER(0x540)

// Started once per power-on (static C state survives a soft reset, and so does the timer).
extern bool lp_clock_started;

static inline void lp_clock_start(void) {
    if (!lp_clock_started) {
        LP_NRF_MODE = 0;      // timer, not counter
        LP_NRF_BITMODE = 3;   // 32 bits
        LP_NRF_PRESCALER = 0; // 16 MHz
        LP_NRF_TASKS_START = 1;
        lp_clock_started = true;
    }
}

static inline uint32_t lp_clock(void) {
    LP_NRF_TASKS_CAPTURE0 = 1;
    return LP_NRF_CC0;
}

#else
#define LP_CLOCK (0)
#endif

#endif // LP_CLOCK_H
