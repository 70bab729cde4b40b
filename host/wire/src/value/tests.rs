use super::*;

fn record() -> Type {
    Type::Record(vec![
        ("title".into(), Type::String),
        ("pinned".into(), Type::Bool),
        ("tags".into(), Type::List(Box::new(Type::String))),
        ("size".into(), Type::U64),
        ("offset".into(), Type::S32),
        ("ratio".into(), Type::F64),
        ("initial".into(), Type::Char),
        (
            "colour".into(),
            Type::Enum(vec!["red".into(), "green".into(), "blue".into()]),
        ),
        (
            "seen".into(),
            Type::Flags((0..10).map(|i| format!("f{i}")).collect()),
        ),
        ("parent".into(), Type::Option(Box::new(Type::U32))),
    ])
}

fn a_record() -> Value {
    Value::Record(vec![
        Value::String("naïve ☕ notes".into()),
        Value::Bool(true),
        Value::List(vec![
            Value::String(String::new()),
            Value::String("a".into()),
        ]),
        Value::U64(u64::MAX),
        Value::S32(i32::MIN),
        Value::F64(-0.5),
        Value::Char('𝄞'),
        Value::Enum(2),
        Value::Flags((0..10).map(|i| i % 3 == 0).collect()),
        Value::Option(None),
    ])
}

/// Encodes, decodes and re-encodes: the same value, the same bytes, every
/// byte used.
fn round_trip(value: &Value, ty: &Type, ports: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode(value, ty, &mut bytes).expect("encodes");
    let (back, used) = decode(&bytes, ty, ports).expect("decodes");
    assert_eq!(&back, value, "{ty}");
    assert_eq!(used, bytes.len());
    let mut again = Vec::new();
    encode(&back, ty, &mut again).expect("encodes again");
    assert_eq!(again, bytes);
    bytes
}

#[test]
fn every_kind_of_value_round_trips() {
    let nested = Type::List(Box::new(Type::List(Box::new(Type::Tuple(vec![
        Type::S8,
        Type::S16,
        Type::S64,
        Type::U16,
        Type::F32,
    ])))));
    let nested_value = Value::List(vec![
        Value::List(Vec::new()),
        Value::List(vec![Value::Tuple(vec![
            Value::S8(-128),
            Value::S16(-1),
            Value::S64(i64::MIN),
            Value::U16(u16::MAX),
            Value::F32(f32::INFINITY),
        ])]),
    ]);
    let variant = Type::Variant(vec![
        ("none".into(), None),
        ("text".into(), Some(Type::String)),
        ("pair".into(), Some(Type::Tuple(vec![Type::U8, Type::Bool]))),
    ]);
    let result = Type::Result {
        ok: Some(Box::new(record())),
        err: Some(Box::new(Type::String)),
    };
    let cases: Vec<(Value, Type)> = vec![
        (a_record(), record()),
        (nested_value, nested),
        (Value::Variant(0, None), variant.clone()),
        (
            Value::Variant(
                2,
                Some(Box::new(Value::Tuple(vec![
                    Value::U8(7),
                    Value::Bool(false),
                ]))),
            ),
            variant,
        ),
        (
            Value::Result(Ok(Some(Box::new(a_record())))),
            result.clone(),
        ),
        (
            Value::Result(Err(Some(Box::new(Value::String("no".into()))))),
            result,
        ),
        (
            Value::Result(Err(None)),
            Type::Result {
                ok: None,
                err: None,
            },
        ),
        (Value::Bytes(Vec::new()), Type::List(Box::new(Type::U8))),
        (
            Value::Bytes((0..=255).collect()),
            Type::List(Box::new(Type::U8)),
        ),
        (
            Value::Option(Some(Box::new(Value::Port(0)))),
            Type::Option(Box::new(Type::Port)),
        ),
        (Value::F64(f64::NAN), Type::F64),
    ];
    for (value, ty) in &cases {
        if let Value::F64(x) = value {
            // NaN is not equal to itself: its bits come back instead.
            let mut bytes = Vec::new();
            encode(value, ty, &mut bytes).expect("encodes");
            let (Value::F64(back), _) = decode(&bytes, ty, 0).expect("decodes") else {
                panic!("an f64");
            };
            assert_eq!(back.to_bits(), x.to_bits());
            continue;
        }
        let ports = u32::from(matches!(value, Value::Option(Some(_))));
        round_trip(value, ty, ports);
    }
}

#[test]
fn a_mebibyte_of_bytes_costs_its_length_and_four() {
    let bytes = vec![0xA5; 1 << 20];
    let encoded = round_trip(&Value::Bytes(bytes), &Type::List(Box::new(Type::U8)), 0);
    assert_eq!(encoded.len(), (1 << 20) + 3);
}

#[test]
fn a_whole_message_is_every_value_and_nothing_more() {
    let types = [Type::String, Type::Port, Type::Port];
    let values = [Value::String("x".into()), Value::Port(1), Value::Port(0)];
    let bytes = encode_all(&values, &types).expect("encodes");
    assert_eq!(decode_all(&bytes, &types, 2).expect("decodes"), values);
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(
        decode_all(&longer, &types, 2)
            .expect_err("refused")
            .to_string()
            .contains("1 bytes left over")
    );
    // A port named twice, one named that does not move, one that moves
    // unnamed.
    let twice = encode_all(
        &[Value::String("x".into()), Value::Port(0), Value::Port(0)],
        &types,
    )
    .expect("encodes");
    assert!(
        decode_all(&twice, &types, 2)
            .expect_err("refused")
            .to_string()
            .contains("named twice")
    );
    assert!(
        decode_all(&bytes, &types, 1)
            .expect_err("refused")
            .to_string()
            .contains("port 1 of the 1")
    );
    assert!(
        decode_all(&bytes, &types, 3)
            .expect_err("refused")
            .to_string()
            .contains("port 2 moves with the message but no value names it")
    );
    assert!(encode_all(&values[..2], &types).is_err());
}

/// `bytes` are refused as a `ty`, and the error says `expected`.
fn refused(bytes: &[u8], ty: &Type, expected: &str) {
    let err = decode(bytes, ty, 0).expect_err("refused").to_string();
    assert!(err.contains(expected), "{ty}: {err}");
}

#[test]
fn hostile_bytes_are_refused_by_name_and_where() {
    refused(&[2], &Type::Bool, "2 is not a bool");
    refused(&[], &Type::U32, "the bytes end inside a value");
    refused(&[0x80, 0x80, 0x04], &Type::U16, "65536 is over 65535");
    refused(&[0x80, 0x00], &Type::U32, "not in its shortest form");
    refused(&[0xff; 11], &Type::U64, "past 64 bits");
    refused(&[0x80, 0x80, 0x04], &Type::S16, "32768 is outside");
    refused(&[0x80, 0xb0, 0x03], &Type::Char, "0xd800 is not a char");
    refused(&[2, 0xc3, 0x28], &Type::String, "not UTF-8");
    refused(
        &[5, b'a'],
        &Type::String,
        "5 elements announced, 1 bytes left",
    );
    refused(
        &[3],
        &Type::Enum(vec!["a".into(), "b".into()]),
        "not one of the 2 cases",
    );
    refused(
        &[2],
        &Type::Option(Box::new(Type::U8)),
        "2 is not an option's tag",
    );
    refused(
        &[0b0000_0100],
        &Type::Flags(vec!["a".into(), "b".into()]),
        "flags that the type does not have",
    );
    // A huge count asks for nothing until the bytes are there.
    refused(
        &[0xff, 0xff, 0xff, 0xff, 0x0f],
        &Type::List(Box::new(Type::Bool)),
        "4294967295 elements announced",
    );
    // Where: the path from the outside in.
    let mut bytes = Vec::new();
    encode(&a_record(), &record(), &mut bytes).expect("encodes");
    let tags_at = 1 + "naïve ☕ notes".len() + 1 + 1;
    bytes[tags_at + 2] = 0xff; // the second tag's length
    let err = decode(&bytes, &record(), 0).expect_err("refused");
    assert_eq!(err.at, ["field `tags`", "[1]"]);
}

#[test]
fn values_not_of_their_type_are_not_encoded() {
    let mut out = Vec::new();
    assert!(encode(&Value::U32(1), &Type::U64, &mut out).is_err());
    assert!(encode(&Value::Enum(3), &Type::Enum(vec!["a".into()]), &mut out).is_err());
    let err = encode(
        &Value::Record(vec![Value::String("x".into()), Value::U8(1)]),
        &Type::Record(vec![("a".into(), Type::String), ("b".into(), Type::Bool)]),
        &mut out,
    )
    .expect_err("refused");
    assert_eq!(err.at, ["field `b`"]);
}

#[test]
fn types_too_deep_or_empty_are_refused() {
    let mut deep = Type::U8;
    for _ in 0..=MAX_TYPE_DEPTH {
        deep = Type::Option(Box::new(deep));
    }
    assert!(
        deep.check()
            .expect_err("refused")
            .to_string()
            .contains("deeper than")
    );
    assert!(Type::Record(Vec::new()).check().is_err());
    assert!(Type::Flags(Vec::new()).check().is_err());
    assert!(record().check().is_ok());
}

#[test]
fn types_read_as_wit_writes_them() {
    let ty = Type::Result {
        ok: Some(Box::new(Type::List(Box::new(Type::Option(Box::new(
            Type::String,
        )))))),
        err: None,
    };
    assert_eq!(ty.to_string(), "result<list<option<string>>>");
    assert_eq!(
        Type::Variant(vec![("a".into(), None), ("b".into(), Some(Type::U8))]).to_string(),
        "variant { a, b(u8) }"
    );
}
