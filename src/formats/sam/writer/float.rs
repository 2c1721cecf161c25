//! C's `printf("%g")` (what samtools prints for `f` values) without
//! allocating: Rust's exact `{:.5e}` gives the six significant digits
//! (rounded from the exact binary value, as glibc does), then they are laid
//! out in `%g`'s fixed or exponent style.

use std::fmt::Write as _;

/// The longest `%g` text: `-1.23457e+308`.
pub(super) const MAX_LEN: usize = 13;

/// A fixed array that `write!` fills.
struct Stack {
    bytes: [u8; 32],
    len: usize,
}

impl std::fmt::Write for Stack {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes `value` as `%g` at the start of `out`; returns the length (at
/// most [`MAX_LEN`]).
pub(super) fn format_g(value: f64, out: &mut [u8; 16]) -> usize {
    let special: &[u8] = if value.is_nan() {
        if value.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        }
    } else if value.is_infinite() {
        if value < 0.0 {
            b"-inf"
        } else {
            b"inf"
        }
    } else if value == 0.0 {
        if value.is_sign_negative() {
            b"-0"
        } else {
            b"0"
        }
    } else {
        b""
    };
    if !special.is_empty() {
        out[..special.len()].copy_from_slice(special);
        return special.len();
    }
    let mut scientific = Stack {
        bytes: [0; 32],
        len: 0,
    };
    // `d.ddddde-X`: at most 1 + 7 + 1 + 4 bytes, within the 32.
    if write!(scientific, "{value:.5e}").is_err() {
        return 0;
    }
    let text = &scientific.bytes[..scientific.len];
    let negative = text.first() == Some(&b'-');
    let body = &text[usize::from(negative)..];
    let (Some(e), Some(&lead)) = (body.iter().position(|&b| b == b'e'), body.first()) else {
        return 0;
    };
    // Six significant digits: the lead and the five after the point.
    let mut digits = [lead; 6];
    for (digit, &b) in digits[1..]
        .iter_mut()
        .zip(body.get(2..e).unwrap_or_default())
    {
        *digit = b;
    }
    let exponent: i32 = std::str::from_utf8(&body[e + 1..])
        .ok()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    // Significant digits left once trailing zeros go.
    let kept = 6 - digits.iter().rev().take_while(|&&d| d == b'0').count();
    let mut len = 0;
    let mut push = |b: u8| {
        out[len] = b;
        len += 1;
    };
    if negative {
        push(b'-');
    }
    if !(-4..6).contains(&exponent) {
        push(digits[0]);
        if kept > 1 {
            push(b'.');
            digits[1..kept].iter().for_each(|&d| push(d));
        }
        push(b'e');
        push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude >= 100 {
            push(b'0' + (magnitude / 100) as u8);
        }
        push(b'0' + (magnitude / 10 % 10) as u8);
        push(b'0' + (magnitude % 10) as u8);
    } else if exponent >= 0 {
        // Integer part: digits 0..=exponent; fraction: what is left.
        let integer = exponent as usize + 1;
        digits[..integer].iter().for_each(|&d| push(d));
        if kept > integer {
            push(b'.');
            digits[integer..kept].iter().for_each(|&d| push(d));
        }
    } else {
        push(b'0');
        push(b'.');
        (1..exponent.unsigned_abs()).for_each(|_| push(b'0'));
        digits[..kept].iter().for_each(|&d| push(d));
    }
    len
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    extern "C" {
        fn snprintf(
            buf: *mut std::ffi::c_char,
            size: usize,
            format: *const std::ffi::c_char,
            ...
        ) -> i32;
    }

    /// glibc's `%g`: the oracle samtools prints with.
    fn c_format(value: f64) -> String {
        let mut buf = [0u8; 64];
        // SAFETY: a 64-byte buffer, its size passed; a NUL-terminated
        // format taking one double.
        let len = unsafe { snprintf(buf.as_mut_ptr().cast(), buf.len(), c"%g".as_ptr(), value) };
        let bytes = buf[..len as usize].to_vec();
        String::from_utf8(bytes).expect("ASCII")
    }

    fn ours(value: f64) -> String {
        let mut out = [0u8; 16];
        let len = format_g(value, &mut out);
        assert!(len <= MAX_LEN, "{value:e}");
        String::from_utf8(out[..len].to_vec()).expect("ASCII")
    }

    #[test]
    fn matches_glibc_printf_g() {
        let mut values = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::from(f32::MAX),
            f64::from(f32::MIN_POSITIVE),
            0.5,
            0.0001,
            0.00001,
            99999.95,
            999999.5,
            9999995.0,
            123456.5,
            1234565.0,
            1234575.0,
            0.1234565,
            2.5,
            1e100,
            1e-100,
        ];
        for exponent in -40..40 {
            let power = 10f64.powi(exponent);
            values.extend([power, -power, 9.999995 * power, 1.000005 * power]);
        }
        // Every f32 class the `f` type carries: random bit patterns.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(f64::from(f32::from_bits(state as u32)));
            // Integers and halves, where exact ties happen.
            values.push((state % 20_000_000) as f64 / 2.0);
        }
        for value in values {
            if value.is_nan() {
                assert_eq!(
                    ours(value),
                    if value.is_sign_negative() {
                        "-nan"
                    } else {
                        "nan"
                    }
                );
                continue;
            }
            assert_eq!(ours(value), c_format(value), "{value:e}");
        }
    }
}
