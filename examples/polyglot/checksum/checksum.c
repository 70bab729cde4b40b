// The polyglot app's `checksum` utility, in C: bindings from `wit-bindgen c`,
// compiled with clang for wasm32-wasi, made a component with the WASI
// preview1 reactor adapter (scripts/build-polyglot.sh does all of it).
//
// Main gives it one port, whose other end the Python utility `words` holds.
// On that port a request is "<sequence>|<text>"; the answer is
// "<sequence>|<crc32 in hex>|<bytes of text>|<who computed it>".
//
// Ownership, as the canonical ABI hands it to C: arguments of exports belong
// to the callee (free them), arguments of imports stay the caller's. A
// handler's reply and error strings must come from malloc: the generated
// post-return frees them.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utility.h"
#include "wasmtron_msgpack.h"

// The port to `words`; handle 0 while there is none (a valid handle is
// never 0).
static wasmtron_app_ports_own_message_port_t words;

static void log_line(wasmtron_app_log_level_t level, const char *text) {
    utility_string_t message;
    utility_string_set(&message, text);
    wasmtron_app_log_log(level, &message);
}

// The compiler that built this guest, e.g. "C (clang 19.1.7)".
static const char *language(void) {
    static char text[64];
    if (text[0] == '\0') {
        snprintf(text, sizeof text, "C (clang %d.%d.%d)", __clang_major__, __clang_minor__,
                 __clang_patchlevel__);
    }
    return text;
}

// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
static uint32_t crc32(const uint8_t *data, size_t len) {
    static uint32_t table[256];
    if (table[1] == 0) {
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
    }
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    }
    return crc ^ 0xffffffffu;
}

static void answer(const uint8_t *request, size_t len) {
    const uint8_t *bar = memchr(request, '|', len);
    if (bar == NULL) {
        log_line(WASMTRON_APP_LOG_LEVEL_WARN, "checksum: a request without a sequence number");
        return;
    }
    size_t sequence_len = (size_t)(bar - request);
    const uint8_t *text = bar + 1;
    size_t text_len = len - sequence_len - 1;
    char reply[160];
    int n = snprintf(reply, sizeof reply, "%.*s|%08x|%zu|%s", (int)sequence_len,
                     (const char *)request, crc32(text, text_len), text_len, language());
    if (n < 0 || (size_t)n >= sizeof reply) {
        log_line(WASMTRON_APP_LOG_LEVEL_WARN, "checksum: a sequence number too long to answer");
        return;
    }
    wasmtron_app_types_payload_t payload;
    payload.ptr = wasmtron_pack_str(reply, (size_t)n, &payload.len);
    wasmtron_app_ports_list_own_message_port_t none = {NULL, 0};
    wasmtron_app_ports_port_error_t err;
    if (!wasmtron_app_ports_method_message_port_post_message(
            wasmtron_app_ports_borrow_message_port(words), &payload, &none, &err)) {
        log_line(WASMTRON_APP_LOG_LEVEL_WARN, "checksum: cannot answer on the port");
        wasmtron_app_ports_port_error_free(&err);
    }
    free(payload.ptr);
}

void exports_wasmtron_app_utility_events_on_message(
    exports_wasmtron_app_utility_events_payload_t *payload,
    exports_wasmtron_app_utility_events_list_own_message_port_t *ports) {
    const uint8_t *text;
    size_t len;
    bool wanted = ports->len == 1 && wasmtron_unpack_str(payload->ptr, payload->len, &text, &len) &&
                  len == 10 && memcmp(text, "words-port", 10) == 0;
    if (wanted) {
        if (words.__handle != 0) {
            wasmtron_app_ports_message_port_drop_own(words);
        }
        words = ports->ptr[0];
        wasmtron_app_ports_method_message_port_start(wasmtron_app_ports_borrow_message_port(words));
        free(ports->ptr);
    } else {
        log_line(WASMTRON_APP_LOG_LEVEL_WARN, "checksum: a message from main it does not expect");
        exports_wasmtron_app_utility_events_list_own_message_port_free(ports);
    }
    wasmtron_app_types_payload_free(payload);
}

void exports_wasmtron_app_utility_events_on_port_message(
    uint64_t port, exports_wasmtron_app_utility_events_payload_t *data,
    exports_wasmtron_app_utility_events_list_own_message_port_t *ports) {
    const uint8_t *text;
    size_t len;
    if (words.__handle != 0 &&
        wasmtron_app_ports_method_message_port_id(wasmtron_app_ports_borrow_message_port(words)) ==
            port &&
        wasmtron_unpack_str(data->ptr, data->len, &text, &len)) {
        answer(text, len);
    }
    exports_wasmtron_app_utility_events_list_own_message_port_free(ports);
    wasmtron_app_types_payload_free(data);
}

void exports_wasmtron_app_utility_events_on_port_close(uint64_t port) {
    if (words.__handle != 0 &&
        wasmtron_app_ports_method_message_port_id(wasmtron_app_ports_borrow_message_port(words)) ==
            port) {
        wasmtron_app_ports_message_port_drop_own(words);
        words.__handle = 0;
    }
}

bool exports_wasmtron_app_utility_events_handle(
    utility_string_t *channel, exports_wasmtron_app_utility_events_payload_t *payload,
    exports_wasmtron_app_utility_events_payload_t *ret,
    exports_wasmtron_app_utility_events_handler_error_t *err) {
    bool ok = true;
    size_t len = channel->len;
    const char *name = (const char *)channel->ptr;
    if (len == 4 && memcmp(name, "lang", 4) == 0) {
        ret->ptr = wasmtron_pack_str(language(), strlen(language()), &ret->len);
    } else {
        ok = false;
        char message[128];
        snprintf(message, sizeof message, "checksum has no handler for `%.*s`", (int)len, name);
        utility_string_dup(&err->code, "no-handler");
        utility_string_dup(&err->message, message);
        err->data.is_some = false;
    }
    utility_string_free(channel);
    wasmtron_app_types_payload_free(payload);
    return ok;
}
