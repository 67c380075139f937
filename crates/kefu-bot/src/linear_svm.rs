//! One-vs-rest linear SVM (L2-regularised, squared hinge loss) trained by dual
//! coordinate descent, as in liblinear (Hsieh et al., ICML 2008, with its
//! shrinking heuristic). Written here rather than taken from a crate: it is
//! short, has no heavy dependencies, and the crates that offer it (linfa-svm)
//! solve the kernel dual, which is far slower for sparse text. Training is
//! deterministic: the visiting order comes from a seeded generator.

use crate::tfidf_features::SparseVec;

/// Training settings (liblinear's defaults for `-s 1`: C = 1, eps = 0.1).
#[derive(Debug, Clone, Copy)]
pub struct SvmParams {
    pub c: f64,
    pub eps: f64,
    pub max_epochs: usize,
    pub seed: u64,
}

impl Default for SvmParams {
    fn default() -> Self {
        Self {
            c: 1.0,
            eps: 0.1,
            max_epochs: 1000,
            seed: 0x6b65_6675,
        }
    }
}

/// The trained classifier: one weight vector per class.
#[derive(Debug, Clone)]
pub struct LinearSvm {
    n_classes: usize,
    /// Feature-major weights (`weights[f * n_classes + c]`) so scoring a
    /// sparse query reads contiguous memory per feature.
    weights: Vec<f32>,
    /// Weight of the constant bias feature, per class.
    bias: Vec<f32>,
}

/// SplitMix64: a tiny, well-mixed generator, enough for shuffling.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for shuffling.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

impl LinearSvm {
    /// Trains one binary SVM per class (`labels[i] < n_classes`). Classes are
    /// independent, so they are spread over a few threads; each class has its
    /// own seed, so the result does not depend on the thread count.
    pub fn train(
        xs: &[SparseVec],
        labels: &[usize],
        n_classes: usize,
        n_features: usize,
        params: SvmParams,
    ) -> Self {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4)
            .min(n_classes.max(1));
        let sq_norms: Vec<f64> = xs
            .iter()
            .map(|x| f64::from(x.squared_norm()) + 1.0)
            .collect();
        let mut per_class: Vec<(Vec<f32>, f32)> = vec![(Vec::new(), 0.0); n_classes];
        std::thread::scope(|scope| {
            let chunk = n_classes.div_ceil(threads).max(1);
            for (t, slots) in per_class.chunks_mut(chunk).enumerate() {
                let sq_norms = &sq_norms;
                scope.spawn(move || {
                    for (k, slot) in slots.iter_mut().enumerate() {
                        let class = t * chunk + k;
                        *slot = train_binary(xs, labels, class, n_features, sq_norms, params);
                    }
                });
            }
        });
        let mut weights = vec![0.0f32; n_features * n_classes];
        let mut bias = vec![0.0f32; n_classes];
        for (c, (w, b)) in per_class.into_iter().enumerate() {
            for (f, v) in w.into_iter().enumerate() {
                weights[f * n_classes + c] = v;
            }
            bias[c] = b;
        }
        Self {
            n_classes,
            weights,
            bias,
        }
    }

    /// Decision values `w_c · x + b_c` for every class.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (&f, &v) in x.indices.iter().zip(&x.values) {
            let row = &self.weights[f as usize * self.n_classes..(f as usize + 1) * self.n_classes];
            for (o, w) in out.iter_mut().zip(row) {
                *o += w * v;
            }
        }
        out
    }
}

/// liblinear's `solve_l2r_l1l2_svc` for the squared hinge loss (upper bound
/// infinite, diagonal 1/(2C)), with a bias feature of value 1.
fn train_binary(
    xs: &[SparseVec],
    labels: &[usize],
    class: usize,
    n_features: usize,
    sq_norms: &[f64],
    params: SvmParams,
) -> (Vec<f32>, f32) {
    let l = xs.len();
    let diag = 0.5 / params.c;
    let y: Vec<f64> = labels
        .iter()
        .map(|&c| if c == class { 1.0 } else { -1.0 })
        .collect();
    let qd: Vec<f64> = sq_norms.iter().map(|n| n + diag).collect();
    let mut w = vec![0.0f64; n_features];
    let mut b = 0.0f64;
    let mut alpha = vec![0.0f64; l];
    let mut index: Vec<usize> = (0..l).collect();
    let mut rng = SplitMix64::new(params.seed ^ (class as u64).wrapping_mul(0x9E37_79B9));
    let mut active = l;
    // The lower projected-gradient bound only matters with an upper bound
    // on alpha (the L1 loss); with the squared hinge only the upper one does.
    let mut pg_max_old = f64::INFINITY;
    let mut epoch = 0;
    while epoch < params.max_epochs {
        let (mut pg_max_new, mut pg_min_new) = (f64::NEG_INFINITY, f64::INFINITY);
        for i in 0..active {
            let j = i + rng.below(active - i);
            index.swap(i, j);
        }
        let mut s = 0;
        while s < active {
            let i = index[s];
            let x = &xs[i];
            let yi = y[i];
            let mut dot = b;
            for (&f, &v) in x.indices.iter().zip(&x.values) {
                dot += w[f as usize] * f64::from(v);
            }
            let g = yi * dot - 1.0 + alpha[i] * diag;
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    // Shrink: this example is unlikely to become a support vector.
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max_new = pg_max_new.max(pg);
            pg_min_new = pg_min_new.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * yi;
                for (&f, &v) in x.indices.iter().zip(&x.values) {
                    w[f as usize] += d * f64::from(v);
                }
                b += d;
            }
            s += 1;
        }
        epoch += 1;
        if pg_max_new - pg_min_new <= params.eps {
            if active == l {
                break;
            }
            // Converged on the shrunk set: check once more on everything.
            active = l;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max_new <= 0.0 {
            f64::INFINITY
        } else {
            pg_max_new
        };
    }
    (w.into_iter().map(|v| v as f32).collect(), b as f32)
}
