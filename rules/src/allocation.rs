//! A cart line as an offer sees it, and spreading an order-level discount over lines, so
//! that each line knows what is left of it for the next offer and no line goes below zero.

/// One line as an offer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineEval {
    /// Value left after offers applied before this one, VND.
    pub remaining: i64,
    /// An earlier offer of this checkout already discounted it.
    pub discounted_before: bool,
    /// This offer may touch it (the stacking policy may say no).
    pub allowed: bool,
    /// The offer's target names it.
    pub matches: bool,
    /// This offer's discount on it, VND.
    pub discount: i64,
}

/// Adds to the lines' discounts `amount` VND (at most what the allowed lines have left),
/// in proportion to what each allowed line has left, never above it; the whole-VND
/// remainders go to the lines with the largest fractional shares (ties to the earlier
/// line), so the parts add up exactly. Returns what was placed.
pub fn spread(amount: i64, lines: &mut [LineEval]) -> i64 {
    spread_where(amount, lines, |l| l.allowed)
}

/// As [`spread`], over the lines `takes` accepts instead of the allowed ones (a
/// targeted discount takes the allowed lines its target matches).
pub fn spread_where(amount: i64, lines: &mut [LineEval], takes: impl Fn(&LineEval) -> bool) -> i64 {
    let room = |l: &LineEval| {
        if takes(l) {
            (l.remaining - l.discount).max(0)
        } else {
            0
        }
    };
    // In 128 bits: lines that each fit an i64 may not together (no real cart comes
    // near, but pricing must not overflow on input). Shares never exceed `amount`.
    let total: i128 = lines.iter().map(|l| i128::from(room(l))).sum();
    let amount = i128::from(amount).clamp(0, total) as i64;
    if amount == 0 {
        return 0;
    }
    let small_total = i64::try_from(total).ok();
    // Each line's fractional remainder of its exact share amount * room / total and the
    // line, as one key whose larger values come first: the remainder above (it is below
    // the total, so under 2^95 for any cart of fewer than 2^32 lines), the line's
    // complement below (ties to the earlier line). One integer comparison per pair.
    let key = |rem: i128, i: usize| {
        let line = u32::MAX - u32::try_from(i).unwrap_or(u32::MAX);
        ((rem.max(0) as u128) << 32) | u128::from(line)
    };
    let mut rems: Vec<u128> = Vec::with_capacity(lines.len());
    let mut placed: i64 = 0;
    for (i, l) in lines.iter_mut().enumerate() {
        // 64-bit arithmetic when the product fits (always, for real carts): 128-bit
        // division is a library call and this loop runs for every line of every offer.
        let (share, rem) = match (amount.checked_mul(room(l)), small_total) {
            (Some(n), Some(total)) => (n / total, i128::from(n % total)),
            _ => {
                let n = i128::from(amount) * i128::from(room(l));
                ((n / total) as i64, n % total)
            }
        };
        rems.push(key(rem, i));
        l.discount += share;
        placed += share;
    }
    // Less than one VND per line is left: hand it out by largest fractional share (ties
    // to the earlier line). Only which lines are the first `left` matters, not their
    // order among themselves: a selection finds them in linear time, where sorting every
    // line was the engine's largest single cost (docs/performance.md).
    let left = (amount - placed) as usize;
    if left > 0 {
        if left < rems.len() {
            rems.select_nth_unstable_by(left - 1, |a, b| b.cmp(a));
        }
        for key in rems.iter().take(left) {
            let line = u32::MAX - (*key as u32);
            lines[line as usize].discount += 1;
        }
    }
    amount
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(values: &[i64]) -> Vec<LineEval> {
        values
            .iter()
            .map(|v| LineEval {
                remaining: *v,
                discounted_before: false,
                allowed: true,
                matches: true,
                discount: 0,
            })
            .collect()
    }

    fn parts(amount: i64, values: &[i64]) -> Vec<i64> {
        let mut l = lines(values);
        spread(amount, &mut l);
        l.iter().map(|l| l.discount).collect()
    }

    #[test]
    fn parts_add_up_and_respect_caps() {
        assert_eq!(parts(100, &[1, 1, 1]), vec![1, 1, 1]);
        assert_eq!(parts(10, &[100, 200, 300]), vec![2, 3, 5]);
        assert_eq!(parts(46_000, &[200_000, 30_000]), vec![40_000, 6_000]);
        assert_eq!(parts(7, &[3, 3, 3]).iter().sum::<i64>(), 7);
        assert_eq!(parts(5, &[]), Vec::<i64>::new());
        let mut l = lines(&[10, 10]);
        l[0].allowed = false;
        spread(15, &mut l);
        assert_eq!((l[0].discount, l[1].discount), (0, 10));
    }
}
