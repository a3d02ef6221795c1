// lp_utf8: the text engine under LpString (lp_utf8.h has the API). Plain C over byte ranges: it
// knows nothing of Python objects, raises nothing and allocates nothing.
//
// Invariants of text (every function here takes text that keeps them, and keeps them):
//  1. Text is UTF-8 in the strict sense of RFC 3629, as CPython's: no overlong forms, no surrogates
//     (U+D800 to U+DFFF), nothing above U+10FFFF. lp_utf8_scan is the one check; MicroPython's own
//     str accepts overlong forms and surrogates, so a str's bytes are checked like any others.
//     Everything else here reads text that passed it, and doesn't check again.
//  2. A character is one code point. Its lead byte (any byte that is not 10xxxxxx) gives its length,
//     1 to 4 bytes (lp_utf8_len), so the characters of n bytes are the bytes that are not
//     continuation bytes (lp_utf8_count), and a walk steps from lead byte to lead byte.
//  3. Text of n bytes holding c characters is all ASCII exactly when c == n: every character takes
//     at least one byte and only ASCII ones take exactly one. Then character i is byte i, and a
//     character index is its offset in O(1) (lp_utf8_offset); otherwise the offset is a walk from
//     the nearer end, O(distance).
//  4. Valid UTF-8 is self-synchronising: whole characters only match whole characters, so
//     find, count, replace and strip's set work on bytes and never split a character.
//  5. A check that stops inside a character (lp_utf8_scan's *whole < n) leaves 0 to 3 bytes that
//     are a valid start of one more character: what a stream write that split a character keeps
//     waiting until the write that completes it (LpString's h->sub).
//  6. Byte order of UTF-8 is code point order, so text compares as its bytes.
//
// Layer: the engine below LpString's face (docs/internals.md: the collections), as lp_alloc.c is
// below the pools. It calls nothing of lp_pool.

#include <string.h>

#include "lp_utf8.h"

size_t lp_utf8_len(uint8_t b) {
    return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

bool lp_utf8_scan(const uint8_t *p, size_t n, size_t *whole, size_t *chars) {
    size_t i = 0, c = 0;
    while (i < n) {
        uint8_t b = p[i];
        if (b < 0x80) {
            // An ASCII run (most text): one byte, one character, nothing else to check.
            size_t start = i;
            while (++i < n && p[i] < 0x80) {
            }
            c += i - start;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf; // range of the second byte
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
            need = 2;
            lo = b == 0xe0 ? 0xa0 : 0x80; // no overlong forms
            hi = b == 0xed ? 0x9f : 0xbf; // no surrogates
        } else if (b >= 0xf0 && b <= 0xf4) {
            need = 3;
            lo = b == 0xf0 ? 0x90 : 0x80;
            hi = b == 0xf4 ? 0x8f : 0xbf; // nothing above U+10FFFF
        } else {
            return false;
        }
        size_t k = 1;
        for (; k <= need && i + k < n; k++) {
            uint8_t cb = p[i + k];
            if (k == 1 ? (cb < lo || cb > hi) : !lp_utf8_is_cont(cb)) {
                return false;
            }
        }
        if (k <= need) {
            break; // the bytes end inside this character (invariant 5)
        }
        i += need + 1;
        c++;
    }
    *whole = i;
    *chars = c;
    return true;
}

size_t lp_utf8_count(const uint8_t *p, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c += !lp_utf8_is_cont(p[i]);
    }
    return c;
}

size_t lp_utf8_step(const uint8_t *d, size_t off, ptrdiff_t step) {
    for (; step > 0; step--) {
        off += lp_utf8_len(d[off]);
    }
    for (; step < 0; step++) {
        do {
            off--;
        } while (lp_utf8_is_cont(d[off]));
    }
    return off;
}

size_t lp_utf8_offset_walk(const uint8_t *d, size_t len, size_t chars, size_t ci) {
    if (ci <= chars / 2) {
        return lp_utf8_step(d, 0, (ptrdiff_t)ci);
    }
    return lp_utf8_step(d, len, -(ptrdiff_t)(chars - ci));
}

ptrdiff_t lp_utf8_find(const uint8_t *hay, size_t hn, const uint8_t *nd, size_t nn, bool last) {
    if (nn > hn) {
        return -1;
    }
    if (last) {
        for (size_t i = hn - nn + 1; i-- > 0;) {
            if (memcmp(hay + i, nd, nn) == 0) {
                return (ptrdiff_t)i;
            }
        }
        return -1;
    }
    if (nn == 0) {
        return 0;
    }
    const uint8_t *p = hay, *top = hay + hn - nn;
    while (p <= top) {
        p = memchr(p, nd[0], top - p + 1);
        if (p == NULL) {
            return -1;
        }
        if (memcmp(p, nd, nn) == 0) {
            return p - hay;
        }
        p++;
    }
    return -1;
}

size_t lp_utf8_gather(const uint8_t *d, size_t off, ptrdiff_t step, size_t count, uint8_t *out) {
    size_t bytes = 0;
    for (size_t k = 0; k < count; k++) {
        size_t n = lp_utf8_len(d[off]);
        if (out != NULL) {
            memcpy(out + bytes, d + off, n);
        }
        bytes += n;
        if (k + 1 < count) {
            off = lp_utf8_step(d, off, step); // not after the last: it would walk off the text
        }
    }
    return bytes;
}

size_t lp_utf8_replace(uint8_t *out, const uint8_t *d, size_t n, const uint8_t *old, size_t on, const uint8_t *rep,
    size_t rn, size_t limit) {
    size_t at = 0, k = 0;
    for (; k < limit; k++) {
        size_t off = 0; // the start, for an empty old
        if (on != 0) {
            ptrdiff_t found = lp_utf8_find(d + at, n - at, old, on, false);
            if (found < 0) {
                break;
            }
            off = (size_t)found;
        } else if (k != 0) {
            if (at == n) {
                break; // after the end
            }
            off = lp_utf8_len(d[at]); // one character on
        }
        if (out != NULL) {
            memcpy(out, d + at, off);
            out += off;
            memcpy(out, rep, rn);
            out += rn;
        }
        at += off + on;
    }
    if (out != NULL) {
        memcpy(out, d + at, n - at);
    }
    return k;
}

// The code point of the n-byte character at p. Not MicroPython's utf8_get_char: that reads on
// while it sees continuation bytes, and the bytes after a range need not end it.
static uint32_t lp_utf8_decode(const uint8_t *p, size_t n) {
    static const uint8_t lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
    uint32_t c = p[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++) {
        c = (c << 6) | (p[i] & 0x3f);
    }
    return c;
}

// Python's whitespace (str.isspace), not only ASCII's: strip() agrees with CPython.
static bool lp_utf8_isspace(uint32_t c) {
    return (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
           || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
           || c == 0x3000;
}

// The bytes of the character at p if it is one to strip (whitespace, or one of the characters in
// `set`), else 0.
static size_t lp_utf8_strips(const uint8_t *p, const uint8_t *set, size_t set_n) {
    size_t n = lp_utf8_len(*p);
    bool strips = set == NULL ? lp_utf8_isspace(lp_utf8_decode(p, n)) : lp_utf8_find(set, set_n, p, n, false) >= 0;
    return strips ? n : 0;
}

size_t lp_utf8_strip(const uint8_t *d, size_t range[2], const uint8_t *set, size_t set_n, int sides) {
    size_t s = range[0], e = range[1], cut = 0, n;
    while ((sides & LP_UTF8_LEFT) && s < e && (n = lp_utf8_strips(d + s, set, set_n)) != 0) {
        s += n;
        cut++;
    }
    while ((sides & LP_UTF8_RIGHT) && e > s) {
        size_t p = e - 1;
        while (lp_utf8_is_cont(d[p])) {
            p--;
        }
        if (lp_utf8_strips(d + p, set, set_n) == 0) {
            break;
        }
        e = p;
        cut++;
    }
    range[0] = s;
    range[1] = e;
    return cut;
}

size_t lp_utf8_encode(size_t c, uint8_t *out) {
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0; // surrogates are code points, but UTF-8 text can't hold them (invariant 1)
    }
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    size_t n = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (size_t k = n - 1; k > 0; k--) {
        out[k] = 0x80 | (c & 0x3f);
        c >>= 6;
    }
    out[0] = (uint8_t)((0xf00 >> n) | c); // 110xxxxx, 1110xxxx or 11110xxx
    return n;
}
