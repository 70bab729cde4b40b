//! Channels of the folders suite: main's own file access through WASI
//! (only the app folders its manifest entry grants are there), and where
//! the app's folders are; and of the shell suite: URLs opened outside.

use wasmtron_guest::{HandlerError, Payload, Request, app, shell};

use crate::TestMain;
use crate::probe::fields;

/// Reads the file at the path given: "read:<text>" or "denied:<kind>".
pub(crate) fn fs_read(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let path: String = request.decode()?;
    Request::reply(&match std::fs::read_to_string(&path) {
        Ok(text) => format!("read:{text}"),
        Err(err) => format!("denied:{}", err.kind()),
    })
}

/// Writes "path|text": "written" or "denied:<kind>".
pub(crate) fn fs_write(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [path, text] = fields(&request)?;
    Request::reply(&match std::fs::write(&path, text) {
        Ok(()) => "written".to_owned(),
        Err(err) => format!("denied:{}", err.kind()),
    })
}

/// `app.get-path` of "data", "cache" or "config": the path, or
/// "err:<the error>".
pub(crate) fn app_path(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let name: String = request.decode()?;
    let folder = match name.as_str() {
        "data" => app::AppFolder::Data,
        "cache" => app::AppFolder::Cache,
        "config" => app::AppFolder::Config,
        other => {
            return Err(HandlerError::new(
                "bad-folder",
                format!("no app folder `{other}`"),
            ));
        }
    };
    Request::reply(&match app::get_path(folder) {
        Ok(path) => path,
        Err(app::PathError::NoAppId) => "err:no-app-id".to_owned(),
        Err(app::PathError::Unavailable(why)) => format!("err:unavailable:{why}"),
    })
}

/// `shell.open-external` of the URL given: "opened" or "err:<the error>".
pub(crate) fn open_external(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let url: String = request.decode()?;
    Request::reply(&match shell::open_external(&url) {
        Ok(()) => "opened".to_owned(),
        Err(err) => format!("err:{err:?}"),
    })
}
