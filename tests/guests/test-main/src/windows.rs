//! Channels of the windows suite: windows main opens, creates with options,
//! controls, finds, closes (or refuses to close), reloads and invokes, and
//! the events and menu choices it heard from them.

use wasmtron_guest::{HandlerError, Payload, Request, windows};

use crate::TestMain;
use crate::probe::{arg_payload, describe_reply, fields};

/// A window event as main records it.
pub(crate) fn event_name(event: &windows::WindowEvent) -> String {
    match event {
        windows::WindowEvent::ReadyToShow => "ready-to-show".into(),
        windows::WindowEvent::Focus => "focus".into(),
        windows::WindowEvent::Blur => "blur".into(),
        windows::WindowEvent::Resized((w, h)) => format!("resized:{w}x{h}"),
        windows::WindowEvent::Shown => "shown".into(),
        windows::WindowEvent::Hidden => "hidden".into(),
    }
}

pub(crate) fn open(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let label: String = request.decode()?;
    Request::reply(&format!("{:?}", windows::open(&label)))
}

/// Closes at once (`destroy`); `ask-close` asks first.
pub(crate) fn close(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let label: String = request.decode()?;
    Request::reply(&format!("{:?}", windows::destroy(&label)))
}

pub(crate) fn ask_close(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let label: String = request.decode()?;
    Request::reply(&format!("{:?}", windows::close(&label)))
}

/// `label|options`, the options as [`window_options`] reads them.
pub(crate) fn create(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [label, options] = fields(&request)?;
    let options = window_options(&options)?;
    Request::reply(&format!("{:?}", windows::create(&label, &options)))
}

/// Window options from `key=value` pairs separated by commas: `title`,
/// `width`, `height`, `min` and `max` (`WxH`), `x`, `y`, `resizable`,
/// `visible`.
fn window_options(text: &str) -> Result<windows::WindowOptions, HandlerError> {
    let bad = |what: &str| HandlerError::new("bad-payload", format!("bad window option `{what}`"));
    let pair = |value: &str| -> Option<(u32, u32)> {
        let (w, h) = value.split_once('x')?;
        Some((w.parse().ok()?, h.parse().ok()?))
    };
    let mut options = windows::WindowOptions::default();
    for item in text.split(',').filter(|item| !item.is_empty()) {
        let (key, value) = item.split_once('=').ok_or_else(|| bad(item))?;
        match key {
            "title" => options.title = Some(value.to_owned()),
            "width" => options.width = Some(value.parse().map_err(|_| bad(item))?),
            "height" => options.height = Some(value.parse().map_err(|_| bad(item))?),
            "min" => options.min_size = Some(pair(value).ok_or_else(|| bad(item))?),
            "max" => options.max_size = Some(pair(value).ok_or_else(|| bad(item))?),
            "x" => options.position = Some((value.parse().map_err(|_| bad(item))?, 0)),
            "y" => {
                let x = options.position.map_or(0, |p| p.0);
                options.position = Some((x, value.parse().map_err(|_| bad(item))?));
            }
            "resizable" => options.resizable = Some(value == "true"),
            "visible" => options.visible = Some(value == "true"),
            _ => return Err(bad(item)),
        }
    }
    Ok(options)
}

/// `label|focus`, `label|show`, `label|hide`, `label|title=T`,
/// `label|size=WxH`.
pub(crate) fn window_do(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [label, action] = fields(&request)?;
    let done = match action.split_once('=') {
        Some(("title", title)) => windows::set_title(&label, title),
        Some(("size", size)) => {
            let (w, h) = size.split_once('x').unwrap_or_default();
            windows::set_size(&label, w.parse().unwrap_or(0), h.parse().unwrap_or(0))
        }
        _ => match action.as_str() {
            "focus" => windows::focus(&label),
            "show" => windows::show(&label),
            "hide" => windows::hide(&label),
            other => return Err(HandlerError::new("bad-payload", other)),
        },
    };
    Request::reply(&format!("{done:?}"))
}

pub(crate) fn find(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let label: String = request.decode()?;
    Request::reply(&match windows::find(&label) {
        Some(s) => format!(
            "{}|{}|{}x{}|visible={}|focused={}|resizable={}",
            s.label, s.title, s.width, s.height, s.visible, s.focused, s.resizable
        ),
        None => "none".to_owned(),
    })
}

pub(crate) fn labels(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&windows::labels())
}

/// `label|yes` makes main refuse to close the window when asked; `label|no`
/// lets it close again.
pub(crate) fn keep_open(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [label, keep] = fields(&request)?;
    if keep == "yes" {
        main.keep_open.insert(label);
    } else {
        main.keep_open.remove(&label);
    }
    Request::reply("kept")
}

pub(crate) fn window_events(main: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&main.window_events)
}

/// `label|good` or `label|twice` (an id used twice).
pub(crate) fn set_menu(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [label, which] = fields(&request)?;
    let item = |id: &str, accelerator: Option<&str>, enabled: bool| {
        windows::MenuEntry::Item(windows::MenuItem {
            id: id.into(),
            label: id.into(),
            accelerator: accelerator.map(Into::into),
            enabled,
        })
    };
    let mut entries = vec![
        item("new", Some("CmdOrCtrl+N"), true),
        item("save", Some("Ctrl+S"), true),
        windows::MenuEntry::Separator,
        item("print", None, false),
    ];
    if which == "twice" {
        entries.push(item("save", None, true));
    }
    let menu = [windows::Submenu {
        label: "File".into(),
        entries,
    }];
    Request::reply(&format!("{:?}", windows::set_menu(&label, &menu)))
}

pub(crate) fn reload(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let label: String = request.decode()?;
    Request::reply(&format!("{:?}", windows::reload(&label)))
}

/// `label|channel|arg`: main invokes the window's renderer.
pub(crate) fn window_invoke(_: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [label, channel, arg] = fields(&request)?;
    let reply = windows::invoke_raw(&label, &channel, &arg_payload(&arg)?);
    Request::reply(&describe_reply(reply))
}
