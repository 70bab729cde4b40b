// A wasmtron utility component written in C: bindings from `wit-bindgen c`
// (generated at build time into the build folder, never committed), compiled
// with clang for wasm32-wasi against wasi-libc, and made into a component
// with the WASI preview1 reactor adapter.
//
// Payloads are MessagePack by the project's convention; this guest reads and
// writes the one shape it needs, a string, with guest-sdk/c/wasmtron_msgpack.h.
//
// Ownership, as the canonical ABI hands it to C: arguments of exports belong
// to the callee (free them), arguments of imports stay the caller's, except
// owned handles in a `transfer` list, which move. A handler's reply and error
// strings must come from malloc: the generated post-return frees them.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utility.h"
#include "wasmtron_msgpack.h"

#define MAX_PORTS 16

// Ports received from the parent, all started. A slot is free when its
// handle is 0 (a valid handle is never 0).
static wasmtron_app_ports_own_message_port_t held[MAX_PORTS];

// --- MessagePack strings (guest-sdk/c/wasmtron_msgpack.h) ----------------

static wasmtron_app_types_payload_t pack_str(const char *text, size_t len) {
    wasmtron_app_types_payload_t out;
    out.ptr = wasmtron_pack_str(text, len, &out.len);
    return out;
}

static bool unpack_str(const wasmtron_app_types_payload_t *payload, const uint8_t **text,
                       size_t *len) {
    return wasmtron_unpack_str(payload->ptr, payload->len, text, len);
}

// "c:" followed by the payload's text ("c:?" when it is not a string), as a
// MessagePack payload.
static wasmtron_app_types_payload_t tagged(const wasmtron_app_types_payload_t *payload) {
    const uint8_t *text;
    size_t len;
    if (!unpack_str(payload, &text, &len)) {
        return pack_str("c:?", 3);
    }
    char *joined = malloc(len + 2);
    if (joined == NULL) {
        abort();
    }
    memcpy(joined, "c:", 2);
    memcpy(joined + 2, text, len);
    wasmtron_app_types_payload_t out = pack_str(joined, len + 2);
    free(joined);
    return out;
}

// --- Imports, wrapped -------------------------------------------------------

static void log_line(wasmtron_app_log_level_t level, const char *text) {
    utility_string_t message;
    utility_string_set(&message, text);
    wasmtron_app_log_log(level, &message);
}

static void post_to_parent(wasmtron_app_types_payload_t payload) {
    wasmtron_app_parent_port_list_own_message_port_t none = {NULL, 0};
    wasmtron_app_parent_port_ipc_error_t err;
    if (!wasmtron_app_parent_port_post_message(&payload, &none, &err)) {
        log_line(WASMTRON_APP_LOG_LEVEL_ERROR, "c-utility: cannot post to the parent");
        wasmtron_app_parent_port_ipc_error_free(&err);
    }
    free(payload.ptr);
}

static void post_on_port(wasmtron_app_ports_own_message_port_t port,
                         wasmtron_app_types_payload_t payload) {
    wasmtron_app_ports_list_own_message_port_t none = {NULL, 0};
    wasmtron_app_ports_port_error_t err;
    if (!wasmtron_app_ports_method_message_port_post_message(
            wasmtron_app_ports_borrow_message_port(port), &payload, &none, &err)) {
        log_line(WASMTRON_APP_LOG_LEVEL_WARN, "c-utility: cannot post on a port");
        wasmtron_app_ports_port_error_free(&err);
    }
    free(payload.ptr);
}

static int find_port(uint64_t id) {
    for (int i = 0; i < MAX_PORTS; i++) {
        if (held[i].__handle != 0 &&
            wasmtron_app_ports_method_message_port_id(
                wasmtron_app_ports_borrow_message_port(held[i])) == id) {
            return i;
        }
    }
    return -1;
}

// Starts a port the parent sent, keeps it, and greets the other end on it.
static void keep_port(wasmtron_app_ports_own_message_port_t port) {
    for (int i = 0; i < MAX_PORTS; i++) {
        if (held[i].__handle == 0) {
            wasmtron_app_ports_method_message_port_start(
                wasmtron_app_ports_borrow_message_port(port));
            post_on_port(port, pack_str("c:port-ready", 12));
            held[i] = port;
            return;
        }
    }
    log_line(WASMTRON_APP_LOG_LEVEL_WARN, "c-utility: too many ports; dropping one");
    wasmtron_app_ports_message_port_drop_own(port);
}

// --- Exports ----------------------------------------------------------------

void exports_wasmtron_app_utility_events_on_message(
    exports_wasmtron_app_utility_events_payload_t *payload,
    exports_wasmtron_app_utility_events_list_own_message_port_t *ports) {
    if (ports->len > 0) {
        for (size_t i = 0; i < ports->len; i++) {
            keep_port(ports->ptr[i]);
        }
        free(ports->ptr);
        post_to_parent(pack_str("c:port-received", 15));
    } else {
        post_to_parent(tagged(payload));
    }
    wasmtron_app_types_payload_free(payload);
}

void exports_wasmtron_app_utility_events_on_port_message(
    uint64_t port, exports_wasmtron_app_utility_events_payload_t *data,
    exports_wasmtron_app_utility_events_list_own_message_port_t *ports) {
    int index = find_port(port);
    if (index >= 0) {
        post_on_port(held[index], tagged(data));
    }
    // Ports moved with a port message are not used here: let them go.
    exports_wasmtron_app_utility_events_list_own_message_port_free(ports);
    wasmtron_app_types_payload_free(data);
}

void exports_wasmtron_app_utility_events_on_port_close(uint64_t port) {
    int index = find_port(port);
    if (index >= 0) {
        wasmtron_app_ports_message_port_drop_own(held[index]);
        held[index].__handle = 0;
    }
}

bool exports_wasmtron_app_utility_events_handle(
    utility_string_t *channel, exports_wasmtron_app_utility_events_payload_t *payload,
    exports_wasmtron_app_utility_events_payload_t *ret,
    exports_wasmtron_app_utility_events_handler_error_t *err) {
    bool ok = true;
    size_t len = channel->len;
    const char *name = (const char *)channel->ptr;
    if (len == 4 && memcmp(name, "echo", 4) == 0) {
        // The payload becomes the reply: ownership passes to post-return.
        *ret = *payload;
        payload->ptr = NULL;
        payload->len = 0;
    } else if (len == 4 && memcmp(name, "lang", 4) == 0) {
        char text[96];
        int n = snprintf(text, sizeof text, "c:%s", __VERSION__);
        *ret = pack_str(text, n < (int)sizeof text ? (size_t)n : sizeof text - 1);
    } else {
        ok = false;
        char message[128];
        snprintf(message, sizeof message, "c-utility has no handler for `%.*s`", (int)len, name);
        utility_string_dup(&err->code, "no-handler");
        utility_string_dup(&err->message, message);
        err->data.is_some = false;
    }
    utility_string_free(channel);
    wasmtron_app_types_payload_free(payload);
    return ok;
}
