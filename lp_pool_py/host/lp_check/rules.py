"""The rules: one code per kind of construct, with the hint shown to the user and the VM's reason.

A finding carries a code from this table and a verdict of its own: "allocates" when it allocates
for every value the checker considers possible, "may allocate" when it depends on a value or type
the checker cannot see. docs/lp-check.md lists the same table (a test keeps them in step).
"""

from dataclasses import dataclass

ALLOCATES = "allocates"
MAY = "may allocate"
ERROR = "error"


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    hint: str
    source: str  # where MicroPython 1.25 does it


RULES = {
    r.code: r
    for r in (
        Rule(
            "LP101",
            "a list, dict or set display, a comprehension, or a tuple of non-constants",
            "build it before run() and update it in place, or use an LpVec",
            "py/vm.c MP_BC_BUILD_LIST/BUILD_MAP/BUILD_SET/BUILD_TUPLE; constant tuples are made "
            "at compile time (py/compile.c, MICROPY_COMP_CONST_TUPLE)",
        ),
        Rule(
            "LP102",
            "building a str or bytes: +, *, %, f-strings, format(), join(), str()/repr(), "
            "methods that return new text",
            "write the text into an LpString (print(..., file=s), s += t) or to the stream itself",
            "py/objstr.c (vstr_init_len, mp_obj_new_str_from_vstr); f-strings are str.format "
            "calls (py/lexer.c)",
        ),
        Rule(
            "LP103",
            "a float result: floats are boxed on the GC heap (object representation A)",
            "keep the numbers in an LpVec('f') and print/json.dump them from there, or use ints "
            "(fixed point)",
            "py/objfloat.c mp_obj_new_float (m_new_obj); immediate floats only with "
            "MICROPY_OBJ_REPR_C/D (py/mpconfig.h)",
        ),
        Rule(
            "LP104",
            "arithmetic on an int outside the small-int range (a big int)",
            "keep values within the small-int range, or in an LpVec('q') and use them there",
            "py/objint_mpz.c mp_obj_int_binary_op (mp_obj_int_new_mpz); py/runtime.c promotes "
            "on small-int overflow",
        ),
        Rule(
            "LP105",
            "a slice: a[i:j] builds a slice object, and list/str/bytes slices copy",
            "use v.slice(i, j) on LpVec/LpString (1.25), index in a loop, or memoryview made outside run()",
            "py/vm.c MP_BC_BUILD_SLICE (mp_obj_new_slice; stack slices from 1.26 for types with "
            "MP_TYPE_FLAG_SUBSCR_ALLOWS_STACK_SLICE)",
        ),
        Rule(
            "LP106",
            "a new object: an instance of a class, a built-in constructor, iter(), enumerate(), "
            "zip(), a range() outside a for loop",
            "create it before run() and reuse it; lp_pool objects come from the pool's reserve",
            "py/objtype.c mp_obj_new_instance; py/objlist.c, py/objdict.c, py/objrange.c, "
            "py/objenumerate.c, py/objzip.c, py/runtime.c mp_getiter",
        ),
        Rule(
            "LP107",
            "a function, lambda, closure or class made inside the checked code",
            "define it at module level, outside run()",
            "py/vm.c MP_BC_MAKE_FUNCTION/MAKE_CLOSURE (py/objfun.c, py/objclosure.c)",
        ),
        Rule(
            "LP108",
            "calling a generator or async function: the generator object",
            "create the generator before run(); await guarded() coroutines made outside",
            "py/objgenerator.c gen_wrap_call (m_new_obj_var)",
        ),
        Rule(
            "LP109",
            "a bound method kept as a value (obj.method without calling it at once)",
            "call the method directly, or take the bound method before run()",
            "py/runtime.c mp_load_attr -> mp_obj_new_bound_meth (py/objboundmeth.c)",
        ),
        Rule(
            "LP110",
            "*args / **kwargs: the argument array, tuple or dict",
            "pass arguments explicitly",
            "py/runtime.c mp_call_prepare_args_n_kw_var (m_new); py/bc.c mp_setup_code_state "
            "(mp_obj_new_dict for **kwargs, mp_obj_new_tuple for *args)",
        ),
        Rule(
            "LP111",
            "dict views: d.items(), d.keys(), d.values() and the tuples items() yields",
            "loop over the keys and index the dict, or use an LpBTreeMap (its views are kept)",
            "py/objdict.c mp_obj_new_dict_view, dict_view_it_iternext (mp_obj_new_tuple)",
        ),
        Rule(
            "LP201",
            "a call the checker cannot follow (a function or method it cannot see)",
            "pass the function's source file to lp-check, or mark it checked",
            "any Python code may allocate",
        ),
        Rule(
            "LP202",
            "an operation on a value of unknown type (it may be a float, a big int or an "
            "instance with Python methods)",
            "annotate the parameter (x: int), or pass a literal or an LpVec with a typecode",
            "py/runtime.c mp_binary_op/mp_load_attr dispatch on the type",
        ),
        Rule(
            "LP203",
            "int arithmetic whose result may leave the small-int range",
            "bound the value (x & 0xFFFF, x % N) or use ranges the checker can see",
            "py/runtime.c mp_binary_op: small-int overflow becomes an mpz (py/objint_mpz.c)",
        ),
        Rule(
            "LP204",
            "reading a number that may not be a small int (LpVec 'i'/'I'/'l'/'L'/'q'/'Q', map "
            "values, LpBox.value)",
            "use a typecode whose values are small ints (b/B/h/H), or write it out from storage "
            "(print(v, file=s), stream.write(v))",
            "usermod/lp_pool/lp_container.c lp_item_load (mp_obj_new_int_from_ll)",
        ),
        Rule(
            "LP205",
            "a one-character str (indexing or iterating a str, chr()): a new qstr unless it exists",
            "compare bytes (b[i] is an int) or ord(); LpString indexing is free for ASCII",
            "py/objstrunicode.c str_subscr -> mp_obj_new_str_via_qstr (py/qstr.c qstr_from_strn)",
        ),
        Rule(
            "LP206",
            "growing a list, dict, set, bytearray or an instance's attributes (reallocates when full)",
            "preallocate ([0] * n) outside run() and assign items, or use LpVec / LpBTreeMap",
            "py/objlist.c list_append (m_renew), py/map.c mp_map_lookup (mp_map_rehash)",
        ),
        Rule(
            "LP207",
            "shrinking a list (pop, remove, del): the list reallocates when it becomes half "
            "empty, and a realloc fails under the heap lock",
            "keep a length counter and overwrite items, or use an LpVec",
            "py/objlist.c list_pop (m_renew); py/gc.c gc_realloc returns NULL while locked",
        ),
        Rule(
            "LP208",
            "storing a global that may not exist yet (the module's dict grows)",
            "assign the global at module level first",
            "py/runtime.c mp_store_global -> mp_map_lookup(MP_MAP_LOOKUP_ADD_IF_NOT_FOUND)",
        ),
        Rule(
            "LP209",
            "printing or formatting a value that may need a buffer (a big int) or Python code",
            "print small ints, strs and lp_pool objects; format big numbers outside run()",
            "py/objint.c mp_obj_int_formatted (m_new when the stack buffer is too small)",
        ),
        Rule(
            "LP210",
            "an import inside checked code (loads the module if it is not loaded yet)",
            "import at module level",
            "py/runtime.c mp_import_name, py/builtinimport.c",
        ),
        Rule(
            "LP401",
            "yield or await inside `with pool:` or a function given to run()",
            "use guarded(coro, pool) for coroutines; never suspend inside the guard",
            "lp_pool: the heap stays locked for whatever runs while the block is suspended",
        ),
    )
}

# Raising a new built-in exception under the heap lock does not raise MemoryError: the VM falls
# back to its single emergency exception object (py/objexcept.c mp_obj_exception_make_new). That
# is not an allocation, so it is no finding; the docs explain it.


def rule(code: str) -> Rule:
    return RULES[code]
