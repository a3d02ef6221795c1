// The qemu boards' atomic section, forced into every C file of their firmware (-include, from each
// board's mpconfigboard.mk): MicroPython's qemu port defines none, so py/mphal.h's default made
// MICROPY_BEGIN_ATOMIC_SECTION a no-op and lp_lock() a bare return. These are what the MCU ports
// do (stm32's disable_irq(), the pico-sdk's save_and_disable_interrupts() on one core), so the code
// the tests run is the code a board runs, and a hard IRQ (lp_preempt.c) can't land inside a section:
//  - Cortex-M (M3, M0): save PRIMASK, then `cpsid i`; the end writes the saved PRIMASK back, so
//    sections nest and one taken inside an interrupt handler leaves its state alone.
//  - RISC-V: clear mstatus.MIE, returning the old mstatus; the end sets MIE again only if it was set.
// `make qemu-arm-nosection` builds MPS2_AN385 without it (LP_QEMU_ATOMIC=0): the preemption test's
// negative control (tests/host/test_preempt.py).
#ifndef LP_QEMU_ATOMIC_H
#define LP_QEMU_ATOMIC_H
#ifndef __ASSEMBLER__

#if defined(__thumb__)
static inline unsigned long lp_qemu_atomic_begin(void) {
    unsigned long state;
    __asm volatile ("mrs %0, primask\n\tcpsid i" : "=r" (state) : : "memory");
    return state;
}
static inline void lp_qemu_atomic_end(unsigned long state) {
    __asm volatile ("msr primask, %0" : : "r" (state) : "memory");
}
#elif defined(__riscv)
static inline unsigned long lp_qemu_atomic_begin(void) {
    unsigned long state;
    __asm volatile ("csrrci %0, mstatus, 8" : "=r" (state) : : "memory");
    return state;
}
static inline void lp_qemu_atomic_end(unsigned long state) {
    __asm volatile ("csrs mstatus, %0" : : "r" (state & 8) : "memory");
}
#else
#error "boards/qemu/lp_atomic.h: a qemu board of an architecture it doesn't know"
#endif

#define MICROPY_BEGIN_ATOMIC_SECTION() lp_qemu_atomic_begin()
#define MICROPY_END_ATOMIC_SECTION(state) lp_qemu_atomic_end(state)

#endif // __ASSEMBLER__
#endif // LP_QEMU_ATOMIC_H
