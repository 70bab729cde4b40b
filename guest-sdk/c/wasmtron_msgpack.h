// MessagePack strings for wasmtron guests written in C.
//
// wasmtron payloads are MessagePack by convention. A C guest that only
// exchanges strings needs these two functions; include this header after
// the `wit-bindgen c` bindings (scripts/build-polyglot.sh passes
// `-I guest-sdk/c`). Everything is `static inline`: there is nothing to link.

#ifndef WASMTRON_MSGPACK_H
#define WASMTRON_MSGPACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Encodes `len` bytes of `text` as a MessagePack str into a malloc'd buffer
// of `*out_len` bytes; aborts when memory runs out (a guest cannot recover).
static inline uint8_t *wasmtron_pack_str(const char *text, size_t len, size_t *out_len) {
    size_t head = len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5;
    uint8_t *out = malloc(head + len);
    if (out == NULL) {
        abort();
    }
    if (head == 1) {
        out[0] = 0xa0 | (uint8_t)len;
    } else if (head == 2) {
        out[0] = 0xd9;
        out[1] = (uint8_t)len;
    } else if (head == 3) {
        out[0] = 0xda;
        out[1] = (uint8_t)(len >> 8);
        out[2] = (uint8_t)len;
    } else {
        out[0] = 0xdb;
        for (int i = 0; i < 4; i++) {
            out[1 + i] = (uint8_t)(len >> (24 - 8 * i));
        }
    }
    memcpy(out + head, text, len);
    *out_len = head + len;
    return out;
}

// Reads a MessagePack str from `n` bytes at `p`: its text stays in the
// payload (`*text`, `*len`). False when the payload is anything else.
static inline bool wasmtron_unpack_str(const uint8_t *p, size_t n, const uint8_t **text,
                                       size_t *len) {
    size_t head, size;
    if (n < 1) {
        return false;
    }
    if ((p[0] & 0xe0) == 0xa0) {
        head = 1;
        size = p[0] & 0x1f;
    } else if (p[0] == 0xd9 && n >= 2) {
        head = 2;
        size = p[1];
    } else if (p[0] == 0xda && n >= 3) {
        head = 3;
        size = ((size_t)p[1] << 8) | p[2];
    } else if (p[0] == 0xdb && n >= 5) {
        head = 5;
        size = ((size_t)p[1] << 24) | ((size_t)p[2] << 16) | ((size_t)p[3] << 8) | p[4];
    } else {
        return false;
    }
    if (n - head < size) {
        return false;
    }
    *text = p + head;
    *len = size;
    return true;
}

#endif
