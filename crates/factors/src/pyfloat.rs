//! Python's `repr(float)`, so that our CSVs match pandas' `to_csv` byte for byte.
//!
//! Python prints the shortest digit string that round-trips (as Rust does), in fixed notation
//! when the decimal exponent `e` of `d.ddd × 10^e` satisfies `-5 < e < 16`, otherwise in
//! scientific notation with a signed exponent of at least two digits (`1e-05`, `1.5e+16`).
//! Fixed notation always has a fractional part (`1.0`, not `1`).

use std::fmt::Write;

/// Formats `x` exactly as Python's `repr(x)`: `0.1`, `1.0`, `1e-05`, `1.5e+16`, `nan`, `-inf`.
pub fn repr(x: f64) -> String {
    let mut s = String::new();
    write_repr(&mut s, x);
    s
}

/// Appends Python's `repr(x)` to `out`.
pub fn write_repr(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("nan");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
        return;
    }
    // `{:e}` gives the shortest round-trip mantissa and the decimal exponent, e.g. `1.5e-7`.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    if x == 0.0 || (-5 < exp && exp < 16) {
        // Display for f64 never uses an exponent and is also shortest round-trip.
        let start = out.len();
        let _ = write!(out, "{x}");
        if !out[start..].contains('.') {
            out.push_str(".0");
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exp.unsigned_abs());
    }
}

/// Formats `x` like C's `%.{digits}g` (Python's `format(x, "g")` for `digits` = 6), the
/// compact human form that `tabulate` uses: at most `digits` significant digits, trailing
/// zeros removed, scientific notation when the exponent is < -4 or >= `digits`.
pub fn general(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return repr(x);
    }
    let digits = digits.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Round to `digits` significant digits first: the exponent after rounding decides the style.
    let sci = format!("{:.*e}", digits - 1, x);
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    if exp < -4 || exp >= digits as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.unsigned_abs())
    } else {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

/// Removes trailing zeros of a fractional part, and the point if nothing is left after it.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        // Right-hand sides are `repr(float(x))` printed by CPython 3.12.
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-2.0, "-2.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.694739033548185, "0.694739033548185"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (0.00001, "1e-05"),
            (0.000015, "1.5e-05"),
            (-0.000015, "-1.5e-05"),
            (1e-300, "1e-300"),
            (5e-324, "5e-324"),
            (123456789.0, "123456789.0"),
            (1e15, "1000000000000000.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(x, want) in cases {
            assert_eq!(repr(x), want, "repr({x:?})");
            if x.is_finite() {
                assert_eq!(
                    repr(x).parse::<f64>().unwrap().to_bits(),
                    x.to_bits(),
                    "round trip"
                );
            }
        }
    }

    #[test]
    fn matches_percent_g() {
        // Right-hand sides are `format(x, "g")` (6 digits) or `format(x, ".3g")` in CPython.
        let cases: &[(f64, usize, &str)] = &[
            (0.694739033548185, 6, "0.694739"),
            (2.3938612, 6, "2.39386"),
            (1.0, 6, "1"),
            (0.0, 6, "0"),
            (100000.0, 6, "100000"),
            (1000000.0, 6, "1e+06"),
            (999999.5, 6, "1e+06"),
            (0.0001, 6, "0.0001"),
            (0.00001234, 6, "1.234e-05"),
            (-1.5e-10, 6, "-1.5e-10"),
            (12.5, 3, "12.5"),
            (0.000999999, 3, "0.001"),
            (f64::NAN, 6, "nan"),
        ];
        for &(x, digits, want) in cases {
            assert_eq!(general(x, digits), want, "format({x:?}, '.{digits}g')");
        }
    }
}
