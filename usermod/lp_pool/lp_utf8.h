// lp_utf8: the text engine under LpString. Strict UTF-8 over byte ranges: checking, counting,
// character index to byte offset, searching, stripping, case, encoding a code point.
//
// Plain C99 like lp_alloc.h: no MicroPython, no Python object, no raising, no allocation. Every
// function works on bytes the caller owns (const uint8_t *, size_t) and returns what it found:
// validity with how much is valid, counts, byte offsets, -1 for not found. The face (lp_string.c)
// turns that into Python's answers and errors. The invariants of text are in lp_utf8.c.
//
// The small calls of hot paths (the ASCII offset, the full check of an argument) and helpers with
// one caller are static inline here, so the face pays no call for them. One piece of text work
// stays in the face: format_into's copy of ASCII bytes, whose registers an inline call here
// rearranges (an instruction more per write).
#ifndef LP_UTF8_H
#define LP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Is b a continuation byte (10xxxxxx), not the start of a character?
static inline bool lp_utf8_is_cont(uint8_t b) {
    return (b & 0xc0) == 0x80;
}

// Bytes of the character whose lead byte is b (valid text). A call, not inline: the compiler
// keeps it out of line at -Os anyway, and one copy serves the face and the engine.
size_t lp_utf8_len(uint8_t b);

// Text of `bytes` bytes holding `chars` characters is all ASCII exactly when the two are equal.
static inline bool lp_utf8_is_ascii(size_t bytes, size_t chars) {
    return bytes == chars;
}

// Checks n bytes strictly. Sets *whole to the bytes of the whole characters and *chars to their
// count; the bytes after *whole (0 to 3) are a valid start of one more character. false when
// invalid (then *whole and *chars are not set).
bool lp_utf8_scan(const uint8_t *p, size_t n, size_t *whole, size_t *chars);

// n bytes that are whole valid characters (*chars set to their count): false otherwise.
static inline bool lp_utf8_check(const uint8_t *p, size_t n, size_t *chars) {
    size_t whole;
    return lp_utf8_scan(p, n, &whole, chars) && whole == n;
}

// Characters in n bytes of valid text.
size_t lp_utf8_count(const uint8_t *p, size_t n);

// The offset `step` characters on from the character start at off (back for a negative step).
size_t lp_utf8_step(const uint8_t *d, size_t off, ptrdiff_t step);

// lp_utf8_offset's walk over text that isn't all ASCII, from the nearer end.
size_t lp_utf8_offset_walk(const uint8_t *d, size_t len, size_t chars, size_t ci);

// Byte offset of character ci (0 <= ci <= chars) of text of len bytes and chars characters: O(1)
// for ASCII text, else a walk.
static inline size_t lp_utf8_offset(const uint8_t *d, size_t len, size_t chars, size_t ci) {
    if (lp_utf8_is_ascii(len, chars)) {
        return ci;
    }
    return lp_utf8_offset_walk(d, len, chars, ci);
}

// The first character start at or after off, at most len: where a reader that was at off goes on
// when the text changed under it.
static inline size_t lp_utf8_sync(const uint8_t *d, size_t len, size_t off) {
    while (off < len && lp_utf8_is_cont(d[off])) {
        off++;
    }
    return off;
}

// Offset of the first (or last) occurrence of needle nd in hay, or -1. An empty needle is at 0
// (at hn for the last).
ptrdiff_t lp_utf8_find(const uint8_t *hay, size_t hn, const uint8_t *nd, size_t nn, bool last);

// Copies `count` characters of d, from the one at off and `step` characters apart (step != 0), to
// out, and returns their bytes; out NULL only counts the bytes.
size_t lp_utf8_gather(const uint8_t *d, size_t off, ptrdiff_t step, size_t count, uint8_t *out);

// Writes the n bytes of d to out with the occurrences of old (on bytes) that don't overlap, the
// first `limit` of them, replaced by rep (rn bytes), and returns how many it replaced; out NULL
// only counts them (the pass that sizes out). An empty old matches before every character and at
// the end, as in str.replace.
size_t lp_utf8_replace(uint8_t *out, const uint8_t *d, size_t n, const uint8_t *old, size_t on, const uint8_t *rep,
    size_t rn, size_t limit);

// Occurrences of nd (nn bytes) in hay that don't overlap, counted from the start up to limit:
// replace's counting pass.
static inline size_t lp_utf8_occurrences(const uint8_t *hay, size_t hn, const uint8_t *nd, size_t nn, size_t limit) {
    return lp_utf8_replace(NULL, hay, hn, nd, nn, NULL, 0, limit);
}

// Narrows the range [range[0], range[1]) of text d past the characters to strip at its start
// (LP_UTF8_LEFT in sides) and its end (LP_UTF8_RIGHT): Python's whitespace when set is NULL, else
// the characters of set (set_n bytes). Returns the characters taken off.
#define LP_UTF8_LEFT (1)
#define LP_UTF8_RIGHT (2)
size_t lp_utf8_strip(const uint8_t *d, size_t range[2], const uint8_t *set, size_t set_n, int sides);

// ASCII letters of n bytes to upper (or lower) case in place, as MicroPython's str does (lower()
// and upper() are its one caller).
static inline void lp_utf8_ascii_case(uint8_t *p, size_t n, bool upper) {
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) {
            p[i] = c ^ 0x20;
        }
    }
}

// The UTF-8 of code point c in out (room for 4): its length, or 0 when c is not a Unicode scalar
// value (above U+10FFFF, or a surrogate). A negative int cast to size_t is above U+10FFFF.
size_t lp_utf8_encode(size_t c, uint8_t *out);

#endif // LP_UTF8_H
