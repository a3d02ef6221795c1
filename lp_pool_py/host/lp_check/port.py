"""Port facts that decide what allocates: MicroPython version, object representation, int widths."""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Port:
    name: str
    version: tuple[int, int] = (1, 25)
    # MICROPY_OBJ_REPR: "A" boxes every float on the GC heap; "C" stores floats (30-bit) in the
    # object word, so float arithmetic needs no heap.
    obj_repr: str = "A"
    # Bits of a small int, sign included: 31 on 32-bit ports (REPR A and C), 63 on 64-bit ones.
    small_int_bits: int = 31
    # Machine word: the size of a C long (LpVec 'l'/'L') and of a pointer.
    word_bits: int = 32

    @property
    def small_min(self) -> int:
        return -(1 << (self.small_int_bits - 1))

    @property
    def small_max(self) -> int:
        return (1 << (self.small_int_bits - 1)) - 1

    @property
    def floats_boxed(self) -> bool:
        return self.obj_repr == "A"

    @property
    def stack_slices(self) -> bool:
        # From 1.26 the VM passes a stack-allocated slice to types that set
        # MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE (py/vm.c, MP_BC_BUILD_SLICE).
        return self.version >= (1, 26)

    def is_small(self, lo: int | None, hi: int | None) -> bool:
        return lo is not None and hi is not None and lo >= self.small_min and hi <= self.small_max

    def describe(self) -> str:
        v = ".".join(map(str, self.version))
        return (
            f"{self.name}: MicroPython {v}, object representation {self.obj_repr}, "
            f"{self.small_int_bits}-bit small ints, {self.word_bits}-bit words"
        )

    def with_options(self, version=None, obj_repr=None, small_int_bits=None, word_bits=None) -> "Port":
        port = self
        if version is not None:
            port = replace(port, version=version)
        if obj_repr is not None:
            port = replace(port, obj_repr=obj_repr)
        if small_int_bits is not None:
            port = replace(port, small_int_bits=small_int_bits)
        if word_bits is not None:
            port = replace(port, word_bits=word_bits)
        if port != self:
            port = replace(port, name=self.name + "+options")
        return port


# Every preset is MicroPython 1.25 with the port's own mpconfigport.h: all four use
# MICROPY_OBJ_REPR_A (floats boxed), 32-bit boards have 31-bit small ints, the unix port 63-bit.
PRESETS = {
    "rp2": Port("rp2"),
    "esp32": Port("esp32"),
    "qemu": Port("qemu"),
    "unix": Port("unix", small_int_bits=63, word_bits=64),
}
DEFAULT_PRESET = "rp2"


def parse_version(text: str) -> tuple[int, int]:
    parts = text.strip().split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ValueError(f"a MicroPython version looks like 1.25, not {text!r}") from None
    return (major, minor)
