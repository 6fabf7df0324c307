//! NumPy's `argsort(kind="quicksort")` for float64, reproduced step by step.
//!
//! The toolkit picks the worst 100 classes with `Series.sort_values()`, which is NumPy's
//! introsort: not stable, so among classes with equal accuracy *which* ones land in the first
//! 100 depends on the exact partitioning sequence. Classes with equal accuracy can hold different
//! image counts, so the tie order changes `worst_100_classes`. To be bit-identical we replay the
//! same algorithm: median-of-3 quicksort, insertion sort below 17 elements, heapsort when the
//! depth budget (2 * floor(log2 n)) runs out, larger partition pushed on the stack.

const SMALL_QUICKSORT: usize = 16;

/// NumPy's float ordering: NaN sorts after every number.
fn less(a: f64, b: f64) -> bool {
    a < b || (b.is_nan() && !a.is_nan())
}

/// Indices that sort `v` exactly as `numpy.argsort(v, kind="quicksort")` does (scalar path).
pub fn argsort_quicksort(v: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    if v.len() > 1 {
        introsort(v, &mut idx);
    }
    idx
}

fn introsort(v: &[f64], t: &mut [usize]) {
    let num = t.len();
    let mut depth_budget: i64 = 2 * i64::from(usize::BITS - 1 - num.leading_zeros());
    // Stack of (left, right, depth) ranges still to sort, inclusive bounds.
    let mut stack: Vec<(usize, usize, i64)> = Vec::new();
    let (mut pl, mut pr) = (0usize, num - 1);
    loop {
        if depth_budget < 0 {
            heapsort(v, &mut t[pl..=pr]);
        } else {
            while pr - pl > SMALL_QUICKSORT {
                let pm = pl + ((pr - pl) >> 1);
                if less(v[t[pm]], v[t[pl]]) {
                    t.swap(pm, pl);
                }
                if less(v[t[pr]], v[t[pm]]) {
                    t.swap(pr, pm);
                }
                if less(v[t[pm]], v[t[pl]]) {
                    t.swap(pm, pl);
                }
                let vp = v[t[pm]];
                let mut pi = pl;
                let mut pj = pr - 1;
                t.swap(pm, pj);
                loop {
                    pi += 1;
                    while less(v[t[pi]], vp) {
                        pi += 1;
                    }
                    pj -= 1;
                    while less(vp, v[t[pj]]) {
                        pj -= 1;
                    }
                    if pi >= pj {
                        break;
                    }
                    t.swap(pi, pj);
                }
                let pk = pr - 1;
                t.swap(pi, pk);
                depth_budget -= 1;
                if pi - pl < pr - pi {
                    stack.push((pi + 1, pr, depth_budget));
                    pr = pi - 1;
                } else {
                    stack.push((pl, pi - 1, depth_budget));
                    pl = pi + 1;
                }
            }
            insertion_sort(v, t, pl, pr);
        }
        match stack.pop() {
            Some((l, r, d)) => {
                pl = l;
                pr = r;
                depth_budget = d;
            }
            None => break,
        }
    }
}

fn insertion_sort(v: &[f64], t: &mut [usize], pl: usize, pr: usize) {
    for pi in pl + 1..=pr {
        let vi = t[pi];
        let vp = v[vi];
        let mut pj = pi;
        while pj > pl && less(vp, v[t[pj - 1]]) {
            t[pj] = t[pj - 1];
            pj -= 1;
        }
        t[pj] = vi;
    }
}

/// NumPy's `aheapsort` on one range (1-based heap indexing as in the C code).
fn heapsort(v: &[f64], t: &mut [usize]) {
    let mut n = t.len();
    let at = |k: usize| k - 1;
    let mut l = n >> 1;
    while l > 0 {
        let tmp = t[at(l)];
        let (mut i, mut j) = (l, l << 1);
        while j <= n {
            if j < n && less(v[t[at(j)]], v[t[at(j + 1)]]) {
                j += 1;
            }
            if less(v[tmp], v[t[at(j)]]) {
                t[at(i)] = t[at(j)];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        t[at(i)] = tmp;
        l -= 1;
    }
    while n > 1 {
        let tmp = t[at(n)];
        t[at(n)] = t[at(1)];
        n -= 1;
        let (mut i, mut j) = (1, 2);
        while j <= n {
            if j < n && less(v[t[at(j)]], v[t[at(j + 1)]]) {
                j += 1;
            }
            if less(v[tmp], v[t[at(j)]]) {
                t[at(i)] = t[at(j)];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        t[at(i)] = tmp;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sorted_perm(v: &[f64], idx: &[usize]) -> bool {
        let mut seen = vec![false; v.len()];
        idx.iter().for_each(|&i| seen[i] = true);
        seen.iter().all(|&s| s) && idx.windows(2).all(|w| !less(v[w[1]], v[w[0]]))
    }

    #[test]
    fn sorts_with_nan_last() {
        let v = [3.0, f64::NAN, -1.0, 2.0, 2.0, 0.5];
        let idx = argsort_quicksort(&v);
        assert!(is_sorted_perm(&v, &idx));
        assert_eq!(idx[5], 1);
    }

    #[test]
    fn matches_numpy_tie_order() {
        // numpy 1.23.5: np.argsort(np.array([i % 7 / 7 for i in range(40)]), kind="quicksort")
        let v: Vec<f64> = (0..40).map(|i| f64::from(i % 7) / 7.0).collect();
        let expected = [
            0, 14, 28, 21, 35, 7, 15, 8, 29, 22, 1, 36, 37, 23, 30, 2, 16, 9, 38, 31, 10, 3, 17,
            24, 32, 39, 18, 11, 4, 25, 26, 12, 33, 5, 19, 27, 20, 13, 34, 6,
        ];
        assert_eq!(argsort_quicksort(&v), expected);
    }

    #[test]
    fn heapsort_range_sorts() {
        let v: Vec<f64> = (0..50).map(|i| f64::from((i * 37) % 11)).collect();
        let mut t: Vec<usize> = (0..50).collect();
        heapsort(&v, &mut t);
        assert!(is_sorted_perm(&v, &t));
    }
}
