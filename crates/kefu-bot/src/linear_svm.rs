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

/// The trained classifier: one weight vector per class, stored sparsely.
///
/// A dense (feature × class) matrix grows with the product of vocabulary and
/// entries: about 12 GB for a 10,000-entry knowledge base. But a class's
/// weight vector is a combination of its support vectors only, so most
/// (feature, class) weights are exactly zero; the non-zero ones are kept as
/// feature-major postings (CSR), so scoring a sparse query reads one
/// contiguous run per query feature, as the dense layout did.
#[derive(Debug, Clone)]
pub struct LinearSvm {
    n_classes: usize,
    /// `postings[offsets[f]..offsets[f + 1]]` are feature `f`'s non-zero
    /// `(class, weight)` pairs.
    offsets: Vec<u32>,
    postings: Vec<(u32, f32)>,
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
        let mut per_class: Vec<(Vec<(u32, f32)>, f32)> = vec![(Vec::new(), 0.0); n_classes];
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
        // Transpose the per-class lists into feature-major postings.
        let mut counts = vec![0u32; n_features + 1];
        for (w, _) in &per_class {
            for &(f, _) in w {
                counts[f as usize + 1] += 1;
            }
        }
        for f in 0..n_features {
            counts[f + 1] += counts[f];
        }
        let offsets = counts;
        let mut fill: Vec<u32> = offsets[..n_features].to_vec();
        let mut postings = vec![(0u32, 0.0f32); offsets[n_features] as usize];
        let mut bias = vec![0.0f32; n_classes];
        for (c, (w, b)) in per_class.into_iter().enumerate() {
            for (f, v) in w {
                let slot = &mut fill[f as usize];
                postings[*slot as usize] = (c as u32, v);
                *slot += 1;
            }
            bias[c] = b;
        }
        Self {
            n_classes,
            offsets,
            postings,
            bias,
        }
    }

    /// Decision values `w_c · x + b_c` for every class.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (&f, &v) in x.indices.iter().zip(&x.values) {
            let f = f as usize;
            if f + 1 >= self.offsets.len() {
                continue;
            }
            let run = &self.postings[self.offsets[f] as usize..self.offsets[f + 1] as usize];
            for &(c, w) in run {
                out[c as usize] += w * v;
            }
        }
        out
    }

    /// Stored non-zero weights (for memory accounting in the benchmark).
    pub fn n_weights(&self) -> usize {
        self.postings.len()
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
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
) -> (Vec<(u32, f32)>, f32) {
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
    // Only features of support vectors were ever touched; the rest are 0.
    let nonzero = w
        .into_iter()
        .enumerate()
        .filter(|(_, v)| *v != 0.0)
        .map(|(f, v)| (f as u32, v as f32))
        .collect();
    (nonzero, b as f32)
}
