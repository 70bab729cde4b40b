use super::*;
use crate::typed::ipc_error_type;

fn bytes() -> Type {
    Type::List(Box::new(Type::U8))
}

fn bytes_or_error() -> Type {
    Type::Result {
        ok: Some(Box::new(bytes())),
        err: Some(Box::new(ipc_error_type())),
    }
}

#[test]
fn the_shapes_are_bytes_in_and_bytes_out_with_or_without_the_error() {
    assert_eq!(Shape::of(&[bytes()], &[bytes()]), Some(Shape::Bytes));
    assert_eq!(
        Shape::of(&[bytes()], &[bytes_or_error()]),
        Some(Shape::BytesOrError)
    );
    let string_error = Type::Result {
        ok: Some(Box::new(bytes())),
        err: Some(Box::new(Type::String)),
    };
    for (params, results) in [
        (vec![], vec![bytes()]),
        (vec![bytes(), bytes()], vec![bytes()]),
        (vec![Type::String], vec![bytes()]),
        (vec![bytes()], vec![]),
        (vec![bytes()], vec![Type::List(Box::new(Type::U16))]),
        (vec![bytes()], vec![string_error]),
    ] {
        assert_eq!(
            Shape::of(&params, &results),
            None,
            "{params:?} -> {results:?}"
        );
    }
}

/// Every prefix of a few messages, and bytes from a seeded generator:
/// [`start_of_bytes`] finds the bytes exactly when the wire decoder reads
/// one `list<u8>`, and the same ones.
#[test]
fn the_fast_reading_accepts_what_the_decoder_accepts() {
    let mut cases: Vec<Vec<u8>> = Vec::new();
    for len in [0usize, 1, 127, 128, 300, 16_384] {
        let whole = message(&[], &vec![7; len]);
        for cut in 0..whole.len().min(6) {
            cases.push(whole[..cut].to_vec());
        }
        cases.push(whole.clone());
        let mut longer = whole.clone();
        longer.push(0);
        cases.push(longer);
        cases.push(whole[..whole.len() - 1].to_vec());
    }
    // Lengths not in their shortest form, and past 64 bits.
    cases.push(vec![0x80, 0x00]);
    cases.push(vec![0x81, 0x00, 9]);
    cases.push(vec![0xff; 11]);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 6) as usize;
        cases.push(seed.to_le_bytes()[..len].to_vec());
    }
    for case in cases {
        let decoded = value::decode_all(&case, &[bytes()], 0);
        match (start_of_bytes(&case), decoded) {
            (Some(start), Ok(values)) => assert_eq!(values, [Value::Bytes(case[start..].to_vec())]),
            (None, Err(_)) => {}
            (fast, decoded) => panic!("{case:?}: fast {fast:?}, decoder {decoded:?}"),
        }
    }
}

#[test]
fn results_are_the_bytes_the_dynamic_path_writes() {
    let data = vec![1, 2, 3];
    assert_eq!(
        message(&[0], &data),
        value::encode_all(
            &[Value::Result(Ok(Some(Box::new(Value::Bytes(
                data.clone()
            )))))],
            &[bytes_or_error()]
        )
        .expect("encodes")
    );
    let err = wit_types::IpcError {
        code: wit_types::ErrorCode::HandlerFailed,
        message: "no".into(),
        app_code: Some("E1".into()),
        data: Some(vec![9]),
    };
    let encoded = error_message(err, &[bytes_or_error()]).expect("encodes");
    let decoded = value::decode_all(&encoded, &[bytes_or_error()], 0).expect("decodes");
    let read = decoded.into_iter().next().and_then(result_of);
    let mut expected = IpcError::new(ErrorCode::HandlerFailed, "no");
    expected.app_code = Some("E1".into());
    expected.data = Some(vec![9]);
    assert_eq!(read, Some(Err(expected)));
    assert_eq!(start_of_result(Shape::BytesOrError, &encoded), None);
}

#[test]
fn every_error_code_crosses() {
    use wit_types::ErrorCode as Wit;
    for code in [
        Wit::NoHandler,
        Wit::HandlerFailed,
        Wit::Denied,
        Wit::Timeout,
        Wit::TargetGone,
        Wit::TooLarge,
        Wit::BadPayload,
        Wit::LimitExceeded,
    ] {
        let err = wit_types::IpcError {
            code,
            message: String::new(),
            app_code: None,
            data: None,
        };
        let encoded = error_message(err, &[bytes_or_error()]).expect("encodes");
        let decoded = value::decode_all(&encoded, &[bytes_or_error()], 0).expect("decodes");
        let Some(Err(read)) = decoded.into_iter().next().and_then(result_of) else {
            panic!("{code:?} did not come back as an error");
        };
        assert_eq!(ipc_error_to_wit(read).code, code);
    }
}
