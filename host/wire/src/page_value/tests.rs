#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn option(t: Type) -> Type {
    Type::Option(Box::new(t))
}

fn some(v: Value) -> Value {
    Value::Option(Some(Box::new(v)))
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// A record with a field of most kinds, and its value and page form.
fn note() -> (Type, Value, Json) {
    let ty = Type::Record(vec![
        ("title".into(), Type::String),
        ("pinned".into(), Type::Bool),
        ("tag-names".into(), list(Type::String)),
        ("size-in-bytes".into(), Type::U64),
        ("offset".into(), Type::S32),
        ("ratio".into(), Type::F64),
        ("initial".into(), Type::Char),
        ("colour".into(), Type::Enum(names(&["red", "dark-green"]))),
        (
            "seen-by".into(),
            Type::Flags(names(&["owner", "other-users"])),
        ),
        ("parent-id".into(), option(Type::U32)),
        ("thumbnail".into(), list(Type::U8)),
    ]);
    let value = Value::Record(vec![
        Value::String("naïve ☕ notes".into()),
        Value::Bool(true),
        Value::List(vec![Value::String("a".into()), Value::String("b".into())]),
        Value::U64(u64::MAX),
        Value::S32(i32::MIN),
        Value::F64(-0.5),
        Value::Char('𝄞'),
        Value::Enum(1),
        Value::Flags(vec![false, true]),
        Value::Option(None),
        Value::Bytes(b"foo".to_vec()),
    ]);
    let json = json!({
        "title": "naïve ☕ notes",
        "pinned": true,
        "tagNames": ["a", "b"],
        "sizeInBytes": {"$bigint": "18446744073709551615"},
        "offset": -2147483648,
        "ratio": -0.5,
        "initial": "𝄞",
        "colour": "dark-green",
        "seenBy": {"owner": false, "otherUsers": true},
        "parentId": null,
        "thumbnail": {"$bytes": "Zm9v"},
    });
    (ty, value, json)
}

/// `value` goes to the page as `json`, and `json` comes back as `value`.
fn both_ways(ty: &Type, value: &Value, json: &Json) {
    assert_eq!(&to_page(value, ty).unwrap(), json, "{ty} to the page");
    assert_eq!(&from_page(json, ty).unwrap(), value, "{ty} from the page");
}

/// The error a page's `json` gets for `ty`, as it reads.
fn refused(json: &Json, ty: &Type) -> String {
    match from_page(json, ty) {
        Ok(value) => panic!("{json} was taken as a {ty}: {value:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn wit_names_become_jcos_javascript_names() {
    for (wit, js) in [
        ("title", "title"),
        ("first-name", "firstName"),
        ("get-URL", "getURL"),
        ("URL-path", "urlPath"),
        ("a-b-c", "aBC"),
        ("size-in-bytes", "sizeInBytes"),
        ("x-2d", "x2d"),
    ] {
        assert_eq!(js_name(wit), js, "{wit}");
    }
}

#[test]
fn every_kind_of_value_crosses_both_ways() {
    let (ty, value, json) = note();
    both_ways(&ty, &value, &json);

    for (ty, value, json) in [
        (Type::Bool, Value::Bool(false), json!(false)),
        (Type::S8, Value::S8(-128), json!(-128)),
        (Type::U8, Value::U8(255), json!(255)),
        (Type::S16, Value::S16(-32768), json!(-32768)),
        (Type::U16, Value::U16(65535), json!(65535)),
        (Type::S32, Value::S32(i32::MAX), json!(2147483647)),
        (Type::U32, Value::U32(u32::MAX), json!(4294967295u32)),
        (
            Type::S64,
            Value::S64(i64::MIN),
            json!({"$bigint": "-9223372036854775808"}),
        ),
        (Type::S64, Value::S64(7), json!({"$bigint": "7"})),
        (Type::U64, Value::U64(0), json!({"$bigint": "0"})),
        (Type::F32, Value::F32(1.5), json!(1.5)),
        (Type::F64, Value::F64(1e300), json!(1e300)),
        (
            Type::F64,
            Value::F64(f64::INFINITY),
            json!({"$float": "Infinity"}),
        ),
        (
            Type::F32,
            Value::F32(f32::NEG_INFINITY),
            json!({"$float": "-Infinity"}),
        ),
        (Type::Char, Value::Char('é'), json!("é")),
        (Type::String, Value::String(String::new()), json!("")),
        (
            list(Type::U8),
            Value::Bytes(Vec::new()),
            json!({"$bytes": ""}),
        ),
        (
            list(list(Type::U16)),
            Value::List(vec![
                Value::List(vec![Value::U16(1)]),
                Value::List(Vec::new()),
            ]),
            json!([[1], []]),
        ),
        (
            Type::Tuple(vec![Type::Char, Type::S64, Type::String]),
            Value::Tuple(vec![
                Value::Char('x'),
                Value::S64(-5),
                Value::String("y".into()),
            ]),
            json!(["x", {"$bigint": "-5"}, "y"]),
        ),
        (
            Type::Result {
                ok: Some(Box::new(Type::String)),
                err: Some(Box::new(Type::U8)),
            },
            Value::Result(Err(Some(Box::new(Value::U8(4))))),
            json!({"tag": "err", "val": 4}),
        ),
        (
            Type::Result {
                ok: None,
                err: None,
            },
            Value::Result(Ok(None)),
            json!({"tag": "ok"}),
        ),
        (
            option(Type::String),
            some(Value::String("a".into())),
            json!("a"),
        ),
        (option(Type::String), Value::Option(None), json!(null)),
    ] {
        both_ways(&ty, &value, &json);
    }

    // A float that is not a number goes as a tag, and comes back as one.
    let nan = to_page(&Value::F64(f64::NAN), &Type::F64).unwrap();
    assert_eq!(nan, json!({"$float": "NaN"}));
    assert!(matches!(from_page(&nan, &Type::F64), Ok(Value::F64(x)) if x.is_nan()));
    assert!(matches!(from_page(&nan, &Type::F32), Ok(Value::F32(x)) if x.is_nan()));
}

#[test]
fn variants_are_tag_and_val_with_the_case_as_wit_writes_it() {
    let shape = Type::Variant(vec![
        ("circle".into(), Some(Type::F64)),
        ("no-shape".into(), None),
        ("named-point".into(), Some(option(Type::String))),
    ]);
    both_ways(
        &shape,
        &Value::Variant(0, Some(Box::new(Value::F64(2.0)))),
        &json!({"tag": "circle", "val": 2.0}),
    );
    both_ways(
        &shape,
        &Value::Variant(1, None),
        &json!({"tag": "no-shape"}),
    );
    both_ways(
        &shape,
        &Value::Variant(2, Some(Box::new(Value::Option(None)))),
        &json!({"tag": "named-point", "val": null}),
    );
    // A case without a payload may have a null `val`, and an option
    // payload may be left out (the page's `undefined`).
    assert_eq!(
        from_page(&json!({"tag": "no-shape", "val": null}), &shape).unwrap(),
        Value::Variant(1, None)
    );
    assert_eq!(
        from_page(&json!({"tag": "named-point"}), &shape).unwrap(),
        Value::Variant(2, Some(Box::new(Value::Option(None))))
    );

    assert_eq!(
        refused(&json!({"tag": "square", "val": 1}), &shape),
        "unknown case \"square\"; the cases are `circle`, `no-shape`, `named-point`"
    );
    assert_eq!(
        refused(&json!({"tag": "noShape"}), &shape),
        "unknown case \"noShape\"; the cases are `circle`, `no-shape`, `named-point`"
    );
    assert_eq!(
        refused(&json!({"tag": "circle"}), &shape),
        "at case circle: expected f64, found nothing: `val` is missing"
    );
    assert_eq!(
        refused(&json!({"tag": "circle", "val": "2"}), &shape),
        "at case circle: expected f64, found the string \"2\""
    );
    assert_eq!(
        refused(&json!({"tag": "no-shape", "val": 0}), &shape),
        "case no-shape carries nothing, found a `val` of 0"
    );
    assert_eq!(
        refused(&json!({"tag": "circle", "val": 1, "radius": 1}), &shape),
        "unexpected key \"radius\" beside `tag` and `val`"
    );
    assert_eq!(refused(&json!({"val": 1}), &shape), "`tag` is missing");
    assert_eq!(
        refused(&json!({"tag": 0}), &shape),
        "expected the case's name as `tag`, found 0"
    );
    assert_eq!(
        refused(&json!("circle"), &shape),
        "expected an object with a `tag`, found the string \"circle\""
    );
}

#[test]
fn enums_are_their_case_names() {
    let colour = Type::Enum(names(&["red", "dark-green"]));
    both_ways(&colour, &Value::Enum(0), &json!("red"));
    assert_eq!(
        refused(&json!("darkGreen"), &colour),
        "unknown case \"darkGreen\"; the cases are `red`, `dark-green`"
    );
    assert_eq!(
        refused(&json!(1), &colour),
        "expected one of the strings `red`, `dark-green`, found 1"
    );
}

#[test]
fn nested_options_tag_the_outer_one() {
    let ty = option(option(Type::U32));
    both_ways(&ty, &Value::Option(None), &json!(null));
    both_ways(
        &ty,
        &some(Value::Option(None)),
        &json!({"tag": "some", "val": null}),
    );
    both_ways(
        &ty,
        &some(some(Value::U32(3))),
        &json!({"tag": "some", "val": 3}),
    );
    assert_eq!(
        from_page(&json!({"tag": "none"}), &ty).unwrap(),
        Value::Option(None)
    );
    assert_eq!(
        from_page(&json!({"tag": "some"}), &ty).unwrap(),
        some(Value::Option(None))
    );
    assert_eq!(
        refused(&json!(3), &ty),
        "expected null or an object with a `tag`, found 3"
    );
    assert_eq!(
        refused(&json!({"tag": "maybe"}), &ty),
        "unknown case \"maybe\"; the cases are `none`, `some`"
    );
    assert_eq!(
        refused(&json!({"tag": "none", "val": 3}), &ty),
        "case none carries nothing, found a `val` of 3"
    );

    // Three deep: each option but the innermost is tagged.
    let ty = option(option(option(Type::U8)));
    both_ways(
        &ty,
        &some(some(some(Value::U8(1)))),
        &json!({"tag": "some", "val": {"tag": "some", "val": 1}}),
    );
    both_ways(
        &ty,
        &some(some(Value::Option(None))),
        &json!({"tag": "some", "val": {"tag": "some", "val": null}}),
    );
    assert_eq!(
        refused(
            &json!({"tag": "some", "val": {"tag": "some", "val": 256}}),
            &ty
        ),
        "at case some / case some: expected u8, found 256"
    );
}

#[test]
fn flags_are_an_object_of_booleans() {
    let ty = Type::Flags(names(&["read", "write-all", "exec"]));
    both_ways(
        &ty,
        &Value::Flags(vec![true, false, false]),
        &json!({"read": true, "writeAll": false, "exec": false}),
    );
    // Left out or null: off.
    assert_eq!(
        from_page(&json!({"writeAll": true, "exec": null}), &ty).unwrap(),
        Value::Flags(vec![false, true, false])
    );
    assert_eq!(
        from_page(&json!({}), &ty).unwrap(),
        Value::Flags(vec![false; 3])
    );
    assert_eq!(
        refused(&json!({"delete": true}), &ty),
        "unknown flag \"delete\"; the flags are `read`, `writeAll`, `exec`"
    );
    assert_eq!(
        refused(&json!({"read": 1}), &ty),
        "at flag read: expected a boolean, found 1"
    );
    assert_eq!(
        refused(&json!(["read"]), &ty),
        "expected an object, found an array of 1 element"
    );
}

#[test]
fn records_take_their_javascript_keys_and_nothing_else() {
    let (ty, value, json) = note();
    // An option field may be left out.
    let mut without_parent = json.clone();
    without_parent.as_object_mut().unwrap().remove("parentId");
    assert_eq!(from_page(&without_parent, &ty).unwrap(), value);

    let mut extra = json.clone();
    extra["colour-name"] = json!("red");
    assert_eq!(
        refused(&extra, &ty),
        "unknown field \"colour-name\"; the fields are `title`, `pinned`, `tagNames`, \
         `sizeInBytes`, `offset`, `ratio`, `initial`, `colour`, `seenBy`, `parentId`, `thumbnail`"
    );
    // The WIT name is not the page's name.
    let mut wit_named = json.clone();
    let tags = wit_named
        .as_object_mut()
        .unwrap()
        .remove("tagNames")
        .unwrap();
    wit_named["tag-names"] = tags;
    assert_eq!(
        refused(&wit_named, &ty),
        "at field tagNames: expected an array, found nothing: the key is missing"
    );
    let mut null_title = json.clone();
    null_title["title"] = Json::Null;
    assert_eq!(
        refused(&null_title, &ty),
        "at field title: expected a string, found null"
    );
    let mut bad_tag = json.clone();
    bad_tag["tagNames"][1] = json!(3);
    let e = from_page(&bad_tag, &ty).unwrap_err();
    assert_eq!(e.at, ["field tagNames", "[1]"]);
    assert_eq!(e.what, "expected a string, found 3");
    assert_eq!(
        refused(&json!({"$bytes": "Zm9v"}), &ty),
        "expected an object, found a Uint8Array"
    );
}

#[test]
fn integers_are_whole_numbers_in_range() {
    assert_eq!(from_page(&json!(3.0), &Type::U8).unwrap(), Value::U8(3));
    assert_eq!(from_page(&json!(-0.0), &Type::S8).unwrap(), Value::S8(0));
    assert_eq!(
        from_page(&json!(9007199254740991u64), &Type::U64).unwrap(),
        Value::U64(9007199254740991)
    );
    assert_eq!(
        from_page(&json!(-9007199254740991i64), &Type::S64).unwrap(),
        Value::S64(-9007199254740991)
    );

    for (json, ty, error) in [
        (json!(300), Type::U8, "expected u8, found 300"),
        (json!(-1), Type::U32, "expected u32, found -1"),
        (json!(3.5), Type::S32, "expected s32, found 3.5"),
        (json!(1e300), Type::S16, "expected s16, found 1e+300"),
        (json!(128), Type::S8, "expected s8, found 128"),
        (
            json!("3"),
            Type::U16,
            "expected u16, found the string \"3\"",
        ),
        (json!(true), Type::U16, "expected u16, found true"),
        (
            json!({"$bigint": "3"}),
            Type::U32,
            "expected u32, found the BigInt 3",
        ),
        (
            json!({"$bigint": "18446744073709551616"}),
            Type::U64,
            "expected u64, found the BigInt 18446744073709551616",
        ),
        (
            json!({"$bigint": "9223372036854775808"}),
            Type::S64,
            "expected s64, found the BigInt 9223372036854775808",
        ),
        (
            json!({"$bigint": "-9223372036854775809"}),
            Type::S64,
            "expected s64, found the BigInt -9223372036854775809",
        ),
        (
            json!({"$bigint": "-1"}),
            Type::U64,
            "expected u64, found the BigInt -1",
        ),
        (
            json!({"$bigint": "+1"}),
            Type::U64,
            "expected u64, found the BigInt +1",
        ),
        (
            json!({"$bigint": "1e3"}),
            Type::S64,
            "expected s64, found the BigInt 1e3",
        ),
        (
            json!({"$bigint": ""}),
            Type::S64,
            "expected s64, found the BigInt ",
        ),
        (
            json!(9007199254740992u64),
            Type::U64,
            "expected u64, found 9007199254740992: past 2^53 - 1 a number is rounded, \
             so it must come as a BigInt",
        ),
        (
            json!(-1e17),
            Type::S64,
            "expected s64, found -1e+17: past 2^53 - 1 a number is rounded, \
             so it must come as a BigInt",
        ),
        (json!(0.5), Type::U64, "expected u64, found 0.5"),
    ] {
        assert_eq!(refused(&json, &ty), error, "{json} as {ty}");
    }
    // A BigInt of any length is refused without parsing it whole.
    let long = "9".repeat(100_000);
    let e = refused(&json!({"$bigint": long}), &Type::U64);
    assert!(e.starts_with("expected u64, found the BigInt 999"), "{e}");
    assert!(e.len() < 120, "{e}");
}

#[test]
fn floats_take_numbers_and_the_float_tag_only() {
    assert_eq!(from_page(&json!(3), &Type::F64).unwrap(), Value::F64(3.0));
    assert_eq!(
        from_page(&json!(0.1), &Type::F32).unwrap(),
        Value::F32(0.1f64 as f32)
    );
    assert_eq!(
        to_page(&Value::F32(0.1), &Type::F32).unwrap(),
        json!(f64::from(0.1f32))
    );
    assert_eq!(
        refused(&json!({"$float": "nan"}), &Type::F64),
        "expected f64, found the float \"nan\""
    );
    assert_eq!(
        refused(&json!("1.5"), &Type::F32),
        "expected f32, found the string \"1.5\""
    );
    assert_eq!(
        refused(&json!(null), &Type::F32),
        "expected f32, found null"
    );
}

#[test]
fn chars_are_one_scalar_value() {
    assert_eq!(
        from_page(&json!("👍"), &Type::Char).unwrap(),
        Value::Char('👍')
    );
    let expected = "expected a char (a string of one Unicode scalar value)";
    // "é" as e and a combining accent: one letter to a reader, two scalars.
    assert_eq!(
        refused(&json!("e\u{301}"), &Type::Char),
        format!("{expected}, found the string \"e\\u{{301}}\"")
    );
    assert_eq!(
        refused(&json!("ab"), &Type::Char),
        format!("{expected}, found the string \"ab\"")
    );
    assert_eq!(
        refused(&json!(""), &Type::Char),
        format!("{expected}, found the string \"\"")
    );
    assert_eq!(
        refused(&json!(65), &Type::Char),
        format!("{expected}, found 65")
    );
}

#[test]
fn strings_lists_and_tuples_refuse_other_shapes() {
    assert_eq!(
        refused(&json!({"a": 1}), &Type::String),
        "expected a string, found an object"
    );
    assert_eq!(
        refused(&json!(["a"]), &Type::String),
        "expected a string, found an array of 1 element"
    );
    assert_eq!(
        refused(&json!("abc"), &list(Type::String)),
        "expected an array, found the string \"abc\""
    );
    let pair = Type::Tuple(vec![Type::U8, Type::String]);
    assert_eq!(
        refused(&json!([1]), &pair),
        "expected an array of 2 elements, found an array of 1 element"
    );
    assert_eq!(
        refused(&json!([1, "a", null]), &pair),
        "expected an array of 2 elements, found an array of 3 elements"
    );
    assert_eq!(
        refused(&json!([1, 2]), &pair),
        "at [1]: expected a string, found 2"
    );
    let items = json!([[1, 2], [3, 400]]);
    let e = from_page(&items, &list(list(Type::U16))).unwrap();
    assert_eq!(
        e,
        Value::List(vec![
            Value::List(vec![Value::U16(1), Value::U16(2)]),
            Value::List(vec![Value::U16(3), Value::U16(400)]),
        ])
    );
    let e = from_page(&items, &list(list(Type::U8))).unwrap_err();
    assert_eq!(e.at, ["[1]", "[1]"]);
    assert_eq!(e.what, "expected u8, found 400");
}

#[test]
fn byte_lists_are_base64_or_an_array_of_bytes() {
    let bytes = list(Type::U8);
    assert_eq!(
        from_page(&json!([0, 255, 3.0]), &bytes).unwrap(),
        Value::Bytes(vec![0, 255, 3])
    );
    // A list of u8 values the host built goes as bytes too.
    assert_eq!(
        to_page(&Value::List(vec![Value::U8(1), Value::U8(2)]), &bytes).unwrap(),
        json!({"$bytes": "AQI="})
    );
    assert_eq!(
        to_page(&Value::List(vec![Value::U8(1), Value::U16(2)]), &bytes)
            .unwrap_err()
            .to_string(),
        "at [1]: a value that is not a `u8`"
    );
    assert_eq!(
        refused(&json!([1, 256]), &bytes),
        "at [1]: expected u8, found 256"
    );
    assert_eq!(
        refused(&json!({"$bytes": "AQI"}), &bytes),
        "bad base64 in a `$bytes`: 3 characters, not a whole number of groups of 4"
    );
    assert_eq!(
        refused(&json!({"$bytes": "AQ-="}), &bytes),
        "bad base64 in a `$bytes`: the character at 2 is not base64"
    );
    assert_eq!(
        refused(&json!({"$bytes": "AR=="}), &bytes),
        "bad base64 in a `$bytes`: the last group has bits set where its padding is"
    );
    assert_eq!(
        refused(&json!("AQI="), &bytes),
        "expected bytes (a Uint8Array, or an array of numbers 0 to 255), \
         found the string \"AQI=\""
    );
    // A Uint8Array is bytes, not a list of other numbers.
    assert_eq!(
        refused(&json!({"$bytes": "AQI="}), &list(Type::U16)),
        "expected an array, found a Uint8Array"
    );
}

#[test]
fn a_mebibyte_of_bytes_crosses_both_ways_quickly() {
    let bytes: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7 + i / 251) as u8).collect();
    let ty = list(Type::U8);
    let value = Value::Bytes(bytes);

    let start = std::time::Instant::now();
    let json = to_page(&value, &ty).unwrap();
    let encoded = start.elapsed();
    let start = std::time::Instant::now();
    let back = from_page(&json, &ty).unwrap();
    let decoded = start.elapsed();
    assert_eq!(back, value);
    assert_eq!(
        json[BYTES_TAG].as_str().unwrap().len(),
        (1 << 20) / 3 * 4 + 4
    );
    // Figures only: a loaded test machine makes any bound flaky.
    println!("1 MiB: to the page {encoded:?}, from the page {decoded:?}");

    // The same bytes as an array of numbers.
    let numbers = Json::Array(
        match &value {
            Value::Bytes(bytes) => bytes,
            _ => unreachable!(),
        }
        .iter()
        .map(|b| json!(b))
        .collect(),
    );
    assert_eq!(from_page(&numbers, &ty).unwrap(), value);
}

#[test]
fn results_are_tagged_inside_a_value() {
    let ty = list(Type::Result {
        ok: None,
        err: Some(Box::new(Type::String)),
    });
    both_ways(
        &ty,
        &Value::List(vec![
            Value::Result(Ok(None)),
            Value::Result(Err(Some(Box::new(Value::String("no".into()))))),
        ]),
        &json!([{"tag": "ok"}, {"tag": "err", "val": "no"}]),
    );
    assert_eq!(
        from_page(&json!([{"tag": "ok", "val": null}]), &ty).unwrap(),
        Value::List(vec![Value::Result(Ok(None))])
    );
    assert_eq!(
        refused(&json!([{"tag": "ok", "val": 1}]), &ty),
        "at [0]: case ok carries nothing, found a `val` of 1"
    );
    assert_eq!(
        refused(&json!([{"tag": "err"}]), &ty),
        "at [0] / case err: expected a string, found nothing: `val` is missing"
    );
    assert_eq!(
        refused(&json!([{"tag": "Ok"}]), &ty),
        "at [0]: unknown case \"Ok\"; the cases are `ok`, `err`"
    );
}

#[test]
fn ports_never_cross_to_a_page() {
    assert_eq!(refused(&json!(0), &Type::Port), PORT_REFUSED);
    assert_eq!(
        to_page(&Value::Port(0), &Type::Port)
            .unwrap_err()
            .to_string(),
        PORT_REFUSED
    );
    // Anywhere in a type, even where this value would not need one.
    let ty = Type::Record(vec![
        ("name".into(), Type::String),
        (
            "the-ports".into(),
            option(list(Type::Tuple(vec![Type::U8, Type::Port]))),
        ),
    ]);
    let e = check_page_type(&ty).unwrap_err();
    assert_eq!(e.at, ["field thePorts", "some", "element", "[1]"]);
    assert_eq!(e.what, PORT_REFUSED);
    assert_eq!(
        refused(&json!({"name": "a"}), &ty),
        format!("at field thePorts / some / element / [1]: {PORT_REFUSED}")
    );
    let ty = Type::Variant(vec![("a".into(), None), ("b".into(), Some(Type::Port))]);
    assert_eq!(
        check_page_type(&ty).unwrap_err().to_string(),
        format!("at case b: {PORT_REFUSED}")
    );
    let ty = Type::Result {
        ok: None,
        err: Some(Box::new(Type::Port)),
    };
    assert_eq!(
        check_page_type(&ty).unwrap_err().to_string(),
        format!("at case err: {PORT_REFUSED}")
    );
}

#[test]
fn types_a_page_could_not_read_are_refused() {
    let ty = Type::Record(vec![("a-b".into(), Type::U8), ("a-B".into(), Type::U8)]);
    assert_eq!(
        check_page_type(&ty).unwrap_err().to_string(),
        "two fields are `aB` to a page"
    );
    let ty = Type::Flags(names(&["x-y", "X-y"]));
    assert_eq!(
        check_page_type(&ty).unwrap_err().to_string(),
        "two flags are `xY` to a page"
    );
    let ty = Type::Enum(names(&["a", "a"]));
    assert_eq!(
        check_page_type(&ty).unwrap_err().to_string(),
        "two cases are `a` to a page"
    );
    // What `Type::check` refuses: nothing in it, and too deep.
    assert!(check_page_type(&Type::Record(Vec::new())).is_err());
    let mut deep = Type::U8;
    for _ in 0..=crate::value::MAX_TYPE_DEPTH {
        deep = list(deep);
    }
    assert_eq!(
        refused(&json!([]), &deep),
        format!(
            "the type nests deeper than {}",
            crate::value::MAX_TYPE_DEPTH
        )
    );
}

#[test]
fn a_page_is_quoted_briefly() {
    let long = "x".repeat(10_000);
    let e = refused(&json!(long), &Type::U8);
    assert_eq!(
        e,
        format!("expected u8, found the string \"{}…\"", "x".repeat(60))
    );
    let ty = Type::Record(vec![("a".into(), Type::U8)]);
    let mut object = Map::new();
    object.insert("a".into(), json!(1));
    object.insert(format!("b\n{long}"), json!(1));
    let e = refused(&Json::Object(object), &ty);
    assert_eq!(
        e,
        format!(
            "unknown field \"b\\n{}…\"; the fields are `a`",
            "x".repeat(58)
        )
    );
}

#[test]
fn to_page_refuses_values_not_of_their_type() {
    for (value, ty) in [
        (Value::U8(1), Type::S8),
        (
            Value::Record(vec![Value::U8(1)]),
            Type::Record(Vec::from([("a".into(), Type::U8), ("b".into(), Type::U8)])),
        ),
        (Value::Enum(2), Type::Enum(names(&["a", "b"]))),
        (
            Value::Variant(0, None),
            Type::Variant(vec![("a".into(), Some(Type::U8))]),
        ),
        (Value::Flags(vec![true]), Type::Flags(names(&["a", "b"]))),
        (
            Value::Result(Ok(Some(Box::new(Value::U8(1))))),
            Type::Result {
                ok: None,
                err: None,
            },
        ),
    ] {
        let e = to_page(&value, &ty).unwrap_err();
        assert_eq!(e.what, format!("a value that is not a `{ty}`"));
    }
    let ty = list(Type::Record(vec![("first-name".into(), Type::String)]));
    let e = to_page(
        &Value::List(vec![
            Value::Record(vec![Value::String("a".into())]),
            Value::Record(vec![Value::Char('b')]),
        ]),
        &ty,
    )
    .unwrap_err();
    assert_eq!(e.at, ["[1]", "field firstName"]);
}

fn params() -> Vec<(String, Type)> {
    vec![
        ("note-id".into(), Type::U32),
        ("title".into(), Type::String),
        ("tags".into(), option(list(Type::String))),
    ]
}

#[test]
fn arguments_come_as_an_array_and_trailing_options_may_be_left_out() {
    let params = params();
    assert_eq!(
        args_from_page(&json!([1, "a", ["x"]]), &params).unwrap(),
        [
            Value::U32(1),
            Value::String("a".into()),
            some(Value::List(vec![Value::String("x".into())])),
        ]
    );
    assert_eq!(
        args_from_page(&json!([1, "a"]), &params).unwrap(),
        [
            Value::U32(1),
            Value::String("a".into()),
            Value::Option(None)
        ]
    );
    assert_eq!(
        args_from_page(&json!([]), &[]).unwrap(),
        Vec::<Value>::new()
    );

    let refused = |args: Json| args_from_page(&args, &params).unwrap_err().to_string();
    assert_eq!(
        refused(json!([1, "a", null, 4])),
        "4 arguments for a function of 3 parameters"
    );
    assert_eq!(
        refused(json!([1])),
        "at argument 2 (title): expected a string, found nothing: the argument is missing"
    );
    assert_eq!(
        refused(json!([1, 2])),
        "at argument 2 (title): expected a string, found 2"
    );
    assert_eq!(
        refused(json!([-1, "a"])),
        "at argument 1 (noteId): expected u32, found -1"
    );
    assert_eq!(
        refused(json!({"noteId": 1})),
        "expected the arguments as an array, found an object"
    );
    assert_eq!(
        args_from_page(&json!([]), &[("p".into(), Type::Port)])
            .unwrap_err()
            .to_string(),
        format!("at argument 1 (p): {PORT_REFUSED}")
    );
}

#[test]
fn event_arguments_go_as_an_array() {
    let params = params();
    assert_eq!(
        args_to_page(
            &[
                Value::U32(1),
                Value::String("a".into()),
                Value::Option(None)
            ],
            &params
        )
        .unwrap(),
        json!([1, "a", null])
    );
    assert_eq!(args_to_page(&[], &[]).unwrap(), json!([]));
    assert_eq!(
        args_to_page(&[Value::U32(1)], &params)
            .unwrap_err()
            .to_string(),
        "1 value for 3 parameters"
    );
    assert_eq!(
        args_to_page(
            &[Value::U32(1), Value::U32(2), Value::Option(None)],
            &params
        )
        .unwrap_err()
        .to_string(),
        "at argument 2 (title): a value that is not a `string`"
    );
}

#[test]
fn results_settle_the_page_as_jco_does() {
    assert_eq!(
        results_to_page(&[], &[]).unwrap(),
        PageOutcome::Value(Json::Null)
    );
    assert_eq!(
        results_to_page(&[Value::U64(5)], &[Type::U64]).unwrap(),
        PageOutcome::Value(json!({"$bigint": "5"}))
    );
    let ty = Type::Result {
        ok: Some(Box::new(Type::String)),
        err: Some(Box::new(Type::Enum(names(&["not-found"])))),
    };
    assert_eq!(
        results_to_page(
            &[Value::Result(Ok(Some(Box::new(Value::String("a".into())))))],
            std::slice::from_ref(&ty)
        )
        .unwrap(),
        PageOutcome::Value(json!("a"))
    );
    assert_eq!(
        results_to_page(
            &[Value::Result(Err(Some(Box::new(Value::Enum(0)))))],
            std::slice::from_ref(&ty)
        )
        .unwrap(),
        PageOutcome::Error(json!("not-found"))
    );
    let bare = Type::Result {
        ok: None,
        err: None,
    };
    assert_eq!(
        results_to_page(&[Value::Result(Ok(None))], std::slice::from_ref(&bare)).unwrap(),
        PageOutcome::Value(Json::Null)
    );
    assert_eq!(
        results_to_page(&[Value::Result(Err(None))], std::slice::from_ref(&bare)).unwrap(),
        PageOutcome::Error(Json::Null)
    );
    // A result inside the result is a value like any other.
    let nested = Type::Result {
        ok: Some(Box::new(Type::Result {
            ok: None,
            err: None,
        })),
        err: None,
    };
    assert_eq!(
        results_to_page(
            &[Value::Result(Ok(Some(Box::new(Value::Result(Err(None))))))],
            &[nested]
        )
        .unwrap(),
        PageOutcome::Value(json!({"tag": "err"}))
    );

    assert_eq!(
        results_to_page(&[Value::U8(1)], &[])
            .unwrap_err()
            .to_string(),
        "1 value for 0 results"
    );
    assert_eq!(
        results_to_page(&[Value::U8(1), Value::U8(2)], &[Type::U8, Type::U8])
            .unwrap_err()
            .to_string(),
        "a function with 2 results: WIT gives a function at most one"
    );
    assert_eq!(
        results_to_page(
            &[Value::Result(Ok(Some(Box::new(Value::U8(1)))))],
            std::slice::from_ref(&ty)
        )
        .unwrap_err()
        .to_string(),
        "at result / case ok: a value that is not a `string`"
    );
    assert_eq!(
        results_to_page(&[Value::Port(0)], &[Type::Port])
            .unwrap_err()
            .to_string(),
        format!("at result: {PORT_REFUSED}")
    );
}

#[test]
fn what_the_page_gets_comes_back_the_same() {
    let (ty, value, _) = note();
    let nested = Type::Tuple(vec![
        list(ty.clone()),
        option(option(ty.clone())),
        Type::Variant(vec![
            ("a-case".into(), Some(ty.clone())),
            ("b".into(), None),
        ]),
    ]);
    let nested_value = Value::Tuple(vec![
        Value::List(vec![value.clone(), value.clone()]),
        some(some(value.clone())),
        Value::Variant(0, Some(Box::new(value))),
    ]);
    let json = to_page(&nested_value, &nested).unwrap();
    assert_eq!(from_page(&json, &nested).unwrap(), nested_value);
    // And through text, as the bridge carries it.
    let text = serde_json::to_string(&json).unwrap();
    let parsed: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(from_page(&parsed, &nested).unwrap(), nested_value);
}
