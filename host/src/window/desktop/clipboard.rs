//! Web content does not touch the clipboard.
//!
//! WebKit's `javascript-can-access-clipboard` setting (off, as wry leaves
//! it) only governs `execCommand('paste')` and copies made outside a user
//! gesture: a page handling a click could still write the clipboard with
//! `navigator.clipboard.writeText` or `execCommand('copy')`. Both routes are
//! closed here:
//!
//! - the asynchronous clipboard API is switched off as a WebKit feature
//!   (`AsyncClipboardAPI`, WebKitGTK 2.42 and later), so `navigator.clipboard`
//!   does not exist in any frame; the `webkit2gtk` crate does not bind
//!   feature switches, so they are looked up in the loaded library;
//! - [`SCRIPT`], injected into every frame before its own scripts, makes
//!   `document.execCommand` refuse `copy`, `cut` and `paste`, for good.
//!
//! The user's own copy (Ctrl+C on selected text, the context menu) is not a
//! page's doing and keeps working.

use std::ffi::{CStr, c_char, c_int, c_void};

use gtk::glib::object::ObjectType as _;

/// Replaces `Document.prototype.execCommand` with one that refuses the
/// clipboard commands, and makes the replacement permanent.
pub(super) const SCRIPT: &str = r"(function () {
  'use strict';
  var original = Document.prototype.execCommand;
  var refused = ['copy', 'cut', 'paste'];
  function execCommand(command) {
    if (refused.indexOf(String(command).toLowerCase()) !== -1) {
      return false;
    }
    return original.apply(this, arguments);
  }
  Object.defineProperty(Document.prototype, 'execCommand', {
    value: execCommand, writable: false, configurable: false, enumerable: false
  });
})();";

/// The identifier of WebKit's asynchronous clipboard API feature.
const ASYNC_CLIPBOARD: &CStr = c"AsyncClipboardAPI";

type AllFeatures = unsafe extern "C" fn() -> *mut c_void;
type ListLength = unsafe extern "C" fn(*mut c_void) -> usize;
type ListGet = unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void;
type ListUnref = unsafe extern "C" fn(*mut c_void);
type Identifier = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type SetEnabled = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int);

/// Looks `name` up among the libraries loaded in this process.
#[allow(unsafe_code)]
fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: `dlsym` with the default handle reads the loaded libraries'
    // symbol tables; `name` is a valid C string.
    let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!found.is_null()).then_some(found)
}

/// Switches WebKit's asynchronous clipboard API off in `settings`.
///
/// # Errors
/// When this WebKitGTK has no feature switches (before 2.42) or no such
/// feature: the caller logs it, as the page then keeps `navigator.clipboard`.
#[allow(unsafe_code)]
pub(super) fn switch_off_async_api(settings: &webkit2gtk::Settings) -> Result<(), &'static str> {
    let missing = "this WebKitGTK has no feature switches (2.42 or later has)";
    let all = symbol(c"webkit_settings_get_all_features").ok_or(missing)?;
    let length = symbol(c"webkit_feature_list_get_length").ok_or(missing)?;
    let get = symbol(c"webkit_feature_list_get").ok_or(missing)?;
    let unref = symbol(c"webkit_feature_list_unref").ok_or(missing)?;
    let identifier = symbol(c"webkit_feature_get_identifier").ok_or(missing)?;
    let set_enabled = symbol(c"webkit_settings_set_feature_enabled").ok_or(missing)?;
    // SAFETY: each pointer is the WebKitGTK function of that name, whose C
    // signature the type spells (webkit/WebKitFeature.h, WebKitSettings.h).
    // The list is owned here and released once; its features live as long
    // as it does; `settings` is a live WebKitSettings.
    unsafe {
        let all: AllFeatures = std::mem::transmute(all);
        let length: ListLength = std::mem::transmute(length);
        let get: ListGet = std::mem::transmute(get);
        let unref: ListUnref = std::mem::transmute(unref);
        let identifier: Identifier = std::mem::transmute(identifier);
        let set_enabled: SetEnabled = std::mem::transmute(set_enabled);
        let list = all();
        if list.is_null() {
            return Err("WebKitGTK listed no features");
        }
        let mut found = false;
        for index in 0..length(list) {
            let feature = get(list, index);
            let id = identifier(feature);
            if !id.is_null() && CStr::from_ptr(id) == ASYNC_CLIPBOARD {
                set_enabled(settings.as_ptr().cast(), feature, 0);
                found = true;
            }
        }
        unref(list);
        if found {
            Ok(())
        } else {
            Err("this WebKitGTK has no AsyncClipboardAPI feature")
        }
    }
}
