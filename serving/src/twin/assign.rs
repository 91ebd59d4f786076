//! The optimal assignment of rows to columns (the Hungarian method, in its
//! O(n³) shortest-augmenting-path form): what splits a project's tasks
//! among its members.

/// For a cost matrix of `rows` × `columns` (rows ≤ columns), the column
/// of each row such that no two rows share one and the total cost is the
/// least. Ties resolve the same way on every run.
pub fn assign(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    if n == 0 {
        return Vec::new();
    }
    let m = cost[0].len();
    assert!(n <= m, "more rows than columns");
    // Potentials u (rows) and v (columns), 1-based with 0 as the sentinel.
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; m + 1];
    let mut owner = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for row in 1..=n {
        owner[0] = row;
        let mut column = 0;
        let mut least = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[column] = true;
            let r = owner[column];
            let mut delta = f64::INFINITY;
            let mut next = 0;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let reduced = cost[r - 1][j - 1] - u[r] - v[j];
                if reduced < least[j] {
                    least[j] = reduced;
                    way[j] = column;
                }
                if least[j] < delta {
                    delta = least[j];
                    next = j;
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[owner[j]] += delta;
                    v[j] -= delta;
                } else {
                    least[j] -= delta;
                }
            }
            column = next;
            if owner[column] == 0 {
                break;
            }
        }
        loop {
            let previous = way[column];
            owner[column] = owner[previous];
            column = previous;
            if column == 0 {
                break;
            }
        }
    }
    let mut out = vec![0usize; n];
    for j in 1..=m {
        if owner[j] != 0 {
            out[owner[j] - 1] = j - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(cost: &[Vec<f64>], a: &[usize]) -> f64 {
        a.iter().enumerate().map(|(r, &c)| cost[r][c]).sum()
    }

    #[test]
    fn finds_the_least_total_cost() {
        let cost = vec![
            vec![4.0, 1.0, 3.0],
            vec![2.0, 0.0, 5.0],
            vec![3.0, 2.0, 2.0],
        ];
        let a = assign(&cost);
        assert_eq!(total(&cost, &a), 5.0);
        assert_eq!(a, [1, 0, 2]);
        // A greedy pick (row 1 takes column 1 at 0) would cost more.
        let rect = vec![vec![1.0, 2.0, 9.0, 9.0], vec![1.0, 9.0, 9.0, 9.0]];
        let a = assign(&rect);
        assert_eq!(a, [1, 0]);
    }

    #[test]
    fn matches_brute_force_on_every_small_matrix() {
        // A fixed pseudo-random sequence: 50 matrices of 4 × 5.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % 100) as f64
        };
        for _ in 0..50 {
            let cost: Vec<Vec<f64>> = (0..4).map(|_| (0..5).map(|_| next()).collect()).collect();
            let a = assign(&cost);
            let mut best = f64::INFINITY;
            for c0 in 0..5 {
                for c1 in 0..5 {
                    for c2 in 0..5 {
                        for c3 in 0..5 {
                            let cs = [c0, c1, c2, c3];
                            let distinct = (0..4).all(|i| (i + 1..4).all(|j| cs[i] != cs[j]));
                            if distinct {
                                best = best.min(total(&cost, &cs));
                            }
                        }
                    }
                }
            }
            assert_eq!(total(&cost, &a), best);
        }
    }
}
