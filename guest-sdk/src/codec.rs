use serde::{Serialize, de::DeserializeOwned};

use crate::{ErrorCode, IpcError, Payload};

/// Encodes a value as a MessagePack payload (maps keep their field names, so
/// guests in other languages can read them).
///
/// # Errors
/// An [`IpcError`] with code `bad-payload` when serde refuses the value.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Payload, IpcError> {
    rmp_serde::to_vec_named(value)
        .map_err(|err| IpcError::local(ErrorCode::BadPayload, format!("cannot encode: {err}")))
}

/// Decodes a MessagePack payload.
///
/// # Errors
/// An [`IpcError`] with code `bad-payload` when the bytes do not decode as `T`.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, IpcError> {
    rmp_serde::from_slice(payload)
        .map_err(|err| IpcError::local(ErrorCode::BadPayload, format!("cannot decode: {err}")))
}
