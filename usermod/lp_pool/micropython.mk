# lp-pool user C module for MicroPython's make-based ports (unix, qemu).
# Keep the sources in step with micropython.cmake: tests/host/test_build.py compares them.
LP_POOL_MOD_DIR := $(USERMOD_DIR)

# Files that use MicroPython's API (scanned for qstrs and root pointers).
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/modlp_pool.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_mempool.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_memorypool.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_buffer.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_lock.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_run.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_handle.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_attr.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_error.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_value.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_btreemap.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_btree.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_box.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_bench.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_container.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_string.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_vec.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_vecstore.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_meta.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_scope.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_write.c
SRC_USERMOD_C += $(LP_POOL_MOD_DIR)/lp_preempt.c
# Plain C, no MicroPython includes: the allocator core and the UTF-8 text engine.
SRC_USERMOD_LIB_C += $(LP_POOL_MOD_DIR)/lp_alloc.c
SRC_USERMOD_LIB_C += $(LP_POOL_MOD_DIR)/lp_utf8.c

CFLAGS_USERMOD += -I$(LP_POOL_MOD_DIR)
# The static arena's size in bytes (make ... LP_POOL_ARENA_SIZE=65536); without it the board's
# mpconfigboard.h or the port's default in lp_pool.h decides.
ifneq ($(LP_POOL_ARENA_SIZE),)
ifneq ($(shell echo '$(LP_POOL_ARENA_SIZE)' | grep -xE '[0-9]+'),$(LP_POOL_ARENA_SIZE))
$(error LP_POOL_ARENA_SIZE must be a number of bytes, not '$(LP_POOL_ARENA_SIZE)')
endif
CFLAGS_USERMOD += -DLP_POOL_ARENA_SIZE=$(LP_POOL_ARENA_SIZE)
endif
# No pool stays current from one program to the next (docs/recovery.md): MicroPython's REPL
# (shared/runtime/pyexec.c) calls this hook after every REPL input, raw REPL command, boot.py and
# main.py. pyexec.c sees none of lp_pool's headers, so the hook calls through a root pointer the
# module sets (lp_pool_repl.h). LP_POOL_REPL_HOOK=0 for a board that defines the hook itself (it
# then calls lp_pool_repl_reset() from it).
LP_POOL_REPL_HOOK ?= 1
ifeq ($(LP_POOL_REPL_HOOK),1)
CFLAGS_USERMOD += '-DMICROPY_BOARD_AFTER_PYTHON_EXEC(kind,flags,exc,ret)=LP_POOL_REPL_HOOK_CALL()'
CFLAGS_USERMOD += '-DLP_POOL_REPL_HOOK_CALL()=if(MP_STATE_VM(lp_repl_hook))((void(*)(void))MP_STATE_VM(lp_repl_hook))()'
endif
# Allocation tracking (make unix LP_POOL_ALLOC_META=1): the module's meta() and statistics table,
# with the allocator's block tags. Off by default: then nothing of it is compiled.
ifeq ($(LP_POOL_ALLOC_META),1)
CFLAGS_USERMOD += -DLP_POOL_ALLOC_META=1 -DLP_ALLOC_TAG=1
endif
