use super::*;

/// A small deterministic generator, so that a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn name(&mut self, i: usize) -> String {
        format!("n{i}-{}", self.below(100))
    }

    fn ty(&mut self, depth: usize) -> Type {
        let leaf = depth >= 3;
        match self.below(if leaf { 13 } else { 21 }) {
            0 => Type::Bool,
            1 => Type::S8,
            2 => Type::U8,
            3 => Type::S16,
            4 => Type::U16,
            5 => Type::S32,
            6 => Type::U32,
            7 => Type::S64,
            8 => Type::U64,
            9 => Type::F32,
            10 => Type::F64,
            11 => Type::Char,
            12 => Type::String,
            13 => Type::List(Box::new(Type::U8)),
            14 => Type::List(Box::new(self.ty(depth + 1))),
            15 => Type::Record(
                (0..1 + self.below(4))
                    .map(|i| (self.name(i), self.ty(depth + 1)))
                    .collect(),
            ),
            16 => Type::Tuple((0..1 + self.below(3)).map(|_| self.ty(depth + 1)).collect()),
            17 => Type::Variant(
                (0..1 + self.below(4))
                    .map(|i| {
                        let payload = (self.below(2) == 0).then(|| self.ty(depth + 1));
                        (self.name(i), payload)
                    })
                    .collect(),
            ),
            18 => Type::Enum((0..1 + self.below(4)).map(|i| self.name(i)).collect()),
            19 => Type::Option(Box::new(self.ty(depth + 1))),
            _ => match self.below(3) {
                0 => Type::Flags((0..1 + self.below(12)).map(|i| self.name(i)).collect()),
                _ => Type::Result {
                    ok: (self.below(2) == 0).then(|| Box::new(self.ty(depth + 1))),
                    err: (self.below(2) == 0).then(|| Box::new(self.ty(depth + 1))),
                },
            },
        }
    }

    fn value(&mut self, ty: &Type) -> Value {
        let n = self.next();
        match ty {
            Type::Bool => Value::Bool(n.is_multiple_of(2)),
            Type::S8 => Value::S8(n as i8),
            Type::U8 => Value::U8(n as u8),
            Type::S16 => Value::S16(n as i16),
            Type::U16 => Value::U16(n as u16),
            Type::S32 => Value::S32(n as i32),
            Type::U32 => Value::U32(n as u32),
            Type::S64 => Value::S64((n as i64) >> self.below(64)),
            Type::U64 => Value::U64(n >> self.below(64)),
            Type::F32 => Value::F32(f32::from_bits(n as u32)),
            Type::F64 => Value::F64(f64::from_bits(n)),
            Type::Char => Value::Char(char::from_u32((n % 0x11_0000) as u32).unwrap_or('é')),
            Type::String => Value::String("héllo wörld".chars().take(self.below(12)).collect()),
            Type::List(t) if **t == Type::U8 => {
                Value::Bytes((0..self.below(300)).map(|i| i as u8).collect())
            }
            Type::List(t) => Value::List((0..self.below(4)).map(|_| self.value(t)).collect()),
            Type::Record(fields) => {
                Value::Record(fields.iter().map(|(_, t)| self.value(t)).collect())
            }
            Type::Tuple(types) => Value::Tuple(types.iter().map(|t| self.value(t)).collect()),
            Type::Variant(cases) => {
                let case = self.below(cases.len());
                let payload = cases[case].1.as_ref().map(|t| Box::new(self.value(t)));
                Value::Variant(case as u32, payload)
            }
            Type::Enum(cases) => Value::Enum(self.below(cases.len()) as u32),
            Type::Option(t) => {
                Value::Option((n.is_multiple_of(2)).then(|| Box::new(self.value(t))))
            }
            Type::Result { ok, err } => {
                let some = |rng: &mut Rng, t: &Option<Box<Type>>| {
                    t.as_ref().map(|t| Box::new(rng.value(t)))
                };
                Value::Result(if n.is_multiple_of(2) {
                    Ok(some(self, ok))
                } else {
                    Err(some(self, err))
                })
            }
            Type::Flags(names) => Value::Flags(names.iter().map(|_| self.below(2) == 0).collect()),
            Type::Port => unreachable!("ports need a store; the contract tests move them"),
        }
    }
}

#[test]
fn encoding_from_vals_writes_the_wire_encoders_bytes() {
    for seed in 1..3000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let types: Vec<Type> = (0..rng.below(4)).map(|_| rng.ty(0)).collect();
        let values: Vec<Value> = types.iter().map(|t| rng.value(t)).collect();
        let expected = value::encode_all(&values, &types).expect("a value of its type");
        let vals: Vec<Val> = values
            .into_iter()
            .zip(&types)
            .map(|(v, t)| to_val(v, t, &[]))
            .collect();
        let (bytes, ports) = encode_vals(&vals, &types, 0).expect("encodes");
        assert_eq!(bytes, expected, "seed {seed}, types {types:?}");
        assert!(ports.is_empty());
        let mut back = vec![Val::Bool(false); types.len()];
        decode_into(&bytes, &types, &[], &mut back).expect("decodes");
        assert_eq!(back, vals, "seed {seed}");
        // Another value of the same types, into what the first left.
        let next: Vec<Value> = types.iter().map(|t| rng.value(t)).collect();
        let bytes = value::encode_all(&next, &types).expect("a value of its type");
        decode_into(&bytes, &types, &[], &mut back).expect("decodes");
        let expected: Vec<Val> = next
            .into_iter()
            .zip(&types)
            .map(|(v, t)| to_val(v, t, &[]))
            .collect();
        assert_eq!(back, expected, "seed {seed}, the second value");
    }
}

#[test]
fn a_val_that_is_not_its_type_is_named() {
    let ty = Type::Record(vec![
        ("a".into(), Type::U32),
        ("b".into(), Type::List(Box::new(Type::U8))),
    ]);
    let val = Val::Record(vec![
        ("a".into(), Val::U32(1)),
        ("b".into(), Val::List(vec![Val::U8(1), Val::U16(2)])),
    ]);
    let err = encode_vals(&[val], &[ty], 0).expect_err("not its type");
    assert_eq!(
        err.to_string(),
        "at value 0 / field `b`: a value that is not a `list<u8>`"
    );
    let err = encode_vals(&[], &[Type::Bool], 0).expect_err("too few");
    assert_eq!(err.to_string(), "0 values for 1 types");
}

#[test]
fn an_unknown_case_or_enum_name_is_refused() {
    let variant = Type::Variant(vec![("yes".into(), None)]);
    assert!(encode_vals(&[Val::Variant("no".into(), None)], &[variant], 0).is_err());
    let cases = Type::Enum(vec!["red".into()]);
    assert!(encode_vals(&[Val::Enum("blue".into())], &[cases], 0).is_err());
}

/// Reading field by field (no ports) says what the wire's decoder says of
/// the same bytes: the same values, or the same error in the same place,
/// for encodings cut short, with a byte changed and with a byte too many,
/// into fresh slots and into slots an earlier value left.
#[test]
fn reading_field_by_field_is_the_wire_decoders_reading() {
    for seed in 1..2000u64 {
        let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let mut types: Vec<Type> = (0..1 + rng.below(3)).map(|_| rng.ty(0)).collect();
        // Records and tuples at the top are what the walk reads itself.
        if seed % 3 == 0 {
            let fields = types.drain(..).enumerate();
            types = vec![Type::Record(
                fields.map(|(i, t)| (format!("f{i}"), t)).collect(),
            )];
        } else if seed % 3 == 1 {
            types = vec![Type::Tuple(std::mem::take(&mut types)), Type::Bool];
        }
        let values: Vec<Value> = types.iter().map(|t| rng.value(t)).collect();
        let bytes = value::encode_all(&values, &types).expect("a value of its type");
        let mut kept = vec![Val::Bool(false); types.len()];
        decode_into(&bytes, &types, &[], &mut kept).expect("decodes");
        let mut candidates = vec![bytes.clone()];
        for _ in 0..8 {
            let mut changed = bytes.clone();
            match rng.below(3) {
                0 => changed.truncate(rng.below(bytes.len() + 1)),
                1 if !changed.is_empty() => {
                    let at = rng.below(changed.len());
                    changed[at] ^= 1 << rng.below(8);
                }
                _ => changed.insert(rng.below(bytes.len() + 1), rng.next() as u8),
            }
            candidates.push(changed);
        }
        for candidate in candidates {
            let expected = value::decode_all(&candidate, &types, 0).map(|values| {
                values
                    .into_iter()
                    .zip(&types)
                    .map(|(v, t)| to_val(v, t, &[]))
                    .collect::<Vec<_>>()
            });
            for slots in [vec![Val::Bool(false); types.len()], kept.clone()] {
                let mut slots = slots;
                let read = decode_into(&candidate, &types, &[], &mut slots).map(|()| slots);
                match (&read, &expected) {
                    (Ok(got), Ok(want)) => assert_eq!(got, want, "seed {seed}"),
                    (Err(got), Err(want)) => {
                        assert_eq!(got.to_string(), want.to_string(), "seed {seed}");
                    }
                    _ => panic!("seed {seed}: read {read:?}, decoder {expected:?}"),
                }
            }
        }
    }
}
