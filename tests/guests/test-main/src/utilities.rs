//! Channels of the utilities and processes suites: utilities main forks
//! (with options), posts to, invokes, kills and asks the pid of, the
//! processes' metrics, and the process-gone events main heard.

use wasmtron_guest::{HandlerError, Payload, Request, UtilityProcess, processes, utilities};

use crate::TestMain;
use crate::probe::{arg_payload, describe_post, describe_reply, fields};

/// Forks the utility named, with default options; replies its instance
/// name or "fork-error:<error>".
pub(crate) fn fork(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let name: String = request.decode()?;
    fork_and_keep(main, &name, &utilities::ForkOptions::default())
}

/// "name|key=value;key=value" with keys `args` (space separated), `env`
/// (`K:V,K:V`), `cwd`, `stdio` (pipe, inherit, ignore), `service`, `mem`
/// (bytes) and `restart` (`max:backoff-ms`).
pub(crate) fn fork_with(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [name, spec] = fields(&request)?;
    let mut options = utilities::ForkOptions::default();
    for setting in spec.split(';').filter(|s| !s.is_empty()) {
        let (key, value) = setting.split_once('=').unwrap_or((setting, ""));
        match key {
            "args" => options.args = value.split(' ').map(str::to_owned).collect(),
            "env" => {
                options.env = value
                    .split(',')
                    .filter_map(|kv| kv.split_once(':'))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
            }
            "cwd" => options.cwd = Some(value.to_owned()),
            "stdio" => {
                options.stdio = match value {
                    "pipe" => utilities::Stdio::Pipe,
                    "ignore" => utilities::Stdio::Ignore,
                    _ => utilities::Stdio::Inherit,
                };
            }
            "service" => options.service_name = Some(value.to_owned()),
            "mem" => options.max_memory_bytes = value.parse().ok(),
            "restart" => {
                let (max, backoff) = value.split_once(':').unwrap_or((value, "0"));
                options.restart_on_failure =
                    Some((max.parse().unwrap_or(0), backoff.parse().unwrap_or(0)));
            }
            _ => {}
        }
    }
    fork_and_keep(main, &name, &options)
}

fn fork_and_keep(
    main: &mut TestMain,
    name: &str,
    options: &utilities::ForkOptions,
) -> Result<Payload, HandlerError> {
    match utilities::fork_with(name, options) {
        Ok(utility) => {
            let instance = utility.name();
            main.utilities.insert(instance.clone(), utility);
            Request::reply(&instance)
        }
        Err(err) => Request::reply(&format!("fork-error:{err}")),
    }
}

/// The utility whose instance name the request carries, if main forked it.
fn named<'a>(
    main: &'a TestMain,
    request: &Request,
) -> Result<Option<&'a UtilityProcess>, HandlerError> {
    let name: String = request.decode()?;
    Ok(main.utilities.get(&name))
}

/// `name|text`: posts the text to the utility.
pub(crate) fn utility_post(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    let [name, text] = fields(&request)?;
    let Some(utility) = main.utilities.get(&name) else {
        return Request::reply("unknown");
    };
    describe_post(utility.post_message(&text), "posted")
}

/// `name|channel|arg`: invokes the utility.
pub(crate) fn utility_invoke(
    main: &mut TestMain,
    request: Request,
) -> Result<Payload, HandlerError> {
    let [name, channel, arg] = fields(&request)?;
    let Some(utility) = main.utilities.get(&name) else {
        return Request::reply("unknown");
    };
    let reply = utility.invoke_raw(&channel, &arg_payload(&arg)?);
    Request::reply(&describe_reply(reply))
}

pub(crate) fn utility_kill(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    match named(main, &request)? {
        Some(utility) => Request::reply(&format!("{}", utility.kill())),
        None => Request::reply("unknown"),
    }
}

pub(crate) fn utility_pid(main: &mut TestMain, request: Request) -> Result<Payload, HandlerError> {
    match named(main, &request)?.and_then(UtilityProcess::pid) {
        Some(pid) => Request::reply(&pid.to_string()),
        None => Request::reply("none"),
    }
}

/// Every process, as "pid|kind|name|state|cpu-time-us|resident-bytes".
pub(crate) fn metrics(_: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    let lines: Vec<String> = processes::metrics()
        .into_iter()
        .map(|m| {
            format!(
                "{}|{}|{}|{}|{}|{}",
                m.pid, m.kind, m.name, m.state, m.cpu_time_us, m.resident_bytes
            )
        })
        .collect();
    Request::reply(&lines)
}

pub(crate) fn gone(main: &mut TestMain, _: Request) -> Result<Payload, HandlerError> {
    Request::reply(&main.gone)
}
