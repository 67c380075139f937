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
    /// Above this many (class, example) pairs each class trains on a working
    /// set ([`FULL_TRAINING_PAIRS`] by default).
    pub working_set_above_pairs: usize,
}

impl Default for SvmParams {
    fn default() -> Self {
        Self {
            c: 1.0,
            eps: 0.1,
            max_epochs: 1000,
            seed: 0x6b65_6675,
            working_set_above_pairs: FULL_TRAINING_PAIRS,
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

/// Above this many (class, example) pairs, each class trains on a working
/// set instead of on every example (see [`working_set`]). One-vs-rest
/// training visits every example at least once per class, so its cost grows
/// with entries × questions: fine for a few hundred entries, over twenty
/// minutes for 10,000 entries of two questions each.
pub const FULL_TRAINING_PAIRS: usize = 10_000_000;
/// Negatives per class in a working set: the most similar questions of other
/// classes, which are the ones that can become support vectors.
const WORKING_SET_NEGATIVES: usize = 256;

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
        let neighbours = (n_classes.saturating_mul(xs.len()) > params.working_set_above_pairs)
            .then(|| Neighbours::new(xs, labels, n_classes, n_features));
        let mut per_class: Vec<(Vec<(u32, f32)>, f32)> = vec![(Vec::new(), 0.0); n_classes];
        std::thread::scope(|scope| {
            let chunk = n_classes.div_ceil(threads).max(1);
            for (t, slots) in per_class.chunks_mut(chunk).enumerate() {
                let sq_norms = &sq_norms;
                let neighbours = neighbours.as_ref();
                scope.spawn(move || {
                    let mut scratch = Scratch::new(n_features, xs.len());
                    for (k, slot) in slots.iter_mut().enumerate() {
                        let class = t * chunk + k;
                        let problem = match neighbours {
                            Some(n) => n.working_set(xs, labels, class, &mut scratch.similarity),
                            None => Problem::full(xs.len()),
                        };
                        *slot = train_binary(
                            xs,
                            labels,
                            class,
                            &problem,
                            sq_norms,
                            params,
                            &mut scratch.weights,
                        );
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

/// The examples one class trains on.
struct Problem {
    /// Example indices, ascending.
    members: Vec<u32>,
    /// How many negatives outside `members` the bias-only aggregate example
    /// stands for (0: none).
    rest: usize,
}

impl Problem {
    fn full(n: usize) -> Self {
        Self {
            members: (0..n as u32).collect(),
            rest: 0,
        }
    }
}

/// Per-thread buffers reused across classes, so a class costs its working
/// set, not the vocabulary or the number of examples.
struct Scratch {
    weights: Vec<f64>,
    similarity: Vec<f32>,
}

impl Scratch {
    fn new(n_features: usize, n_examples: usize) -> Self {
        Self {
            weights: vec![0.0; n_features],
            similarity: vec![0.0; n_examples],
        }
    }
}

/// An inverted index over the training examples, for finding each class's
/// most similar negatives.
struct Neighbours {
    /// `postings[offsets[f]..offsets[f + 1]]`: examples with feature `f`.
    offsets: Vec<u32>,
    postings: Vec<(u32, f32)>,
    /// Examples of each class.
    by_class: Vec<Vec<u32>>,
    /// Features in more examples than this are skipped when measuring
    /// similarity: they are common words, low in TF-IDF weight, and their long
    /// postings would cost more than everything else.
    max_df: usize,
}

impl Neighbours {
    fn new(xs: &[SparseVec], labels: &[usize], n_classes: usize, n_features: usize) -> Self {
        let mut offsets = vec![0u32; n_features + 1];
        for x in xs {
            for &f in &x.indices {
                offsets[f as usize + 1] += 1;
            }
        }
        for f in 0..n_features {
            offsets[f + 1] += offsets[f];
        }
        let mut fill: Vec<u32> = offsets[..n_features].to_vec();
        let mut postings = vec![(0u32, 0.0f32); offsets[n_features] as usize];
        let mut by_class = vec![Vec::new(); n_classes];
        for (i, x) in xs.iter().enumerate() {
            for (&f, &v) in x.indices.iter().zip(&x.values) {
                let slot = &mut fill[f as usize];
                postings[*slot as usize] = (i as u32, v);
                *slot += 1;
            }
            by_class[labels[i]].push(i as u32);
        }
        Self {
            offsets,
            postings,
            by_class,
            max_df: (xs.len() / 50).max(256),
        }
    }

    /// The class's examples, its [`WORKING_SET_NEGATIVES`] negatives most
    /// similar to them (summed cosine), and an aggregate for the other
    /// negatives. Those share no rare word with the class, so their margins
    /// are met by the bias alone: they only ever pushed the bias down, which
    /// the aggregate (weighted by their number) still does. Their common
    /// words' weights are left to the working set; at 10,000 entries that
    /// changes scores little and saves nearly all the training time.
    fn working_set(
        &self,
        xs: &[SparseVec],
        labels: &[usize],
        class: usize,
        similarity: &mut [f32],
    ) -> Problem {
        let positives = &self.by_class[class];
        let mut touched: Vec<u32> = Vec::new();
        for &p in positives {
            let x = &xs[p as usize];
            for (&f, &v) in x.indices.iter().zip(&x.values) {
                let run = &self.postings
                    [self.offsets[f as usize] as usize..self.offsets[f as usize + 1] as usize];
                if run.len() > self.max_df {
                    continue;
                }
                for &(i, w) in run {
                    if labels[i as usize] == class {
                        continue;
                    }
                    let slot = &mut similarity[i as usize];
                    if *slot == 0.0 {
                        touched.push(i);
                    }
                    *slot += v * w;
                }
            }
        }
        let mut scored: Vec<(u32, f32)> = touched
            .iter()
            .map(|&i| (i, similarity[i as usize]))
            .collect();
        for &i in &touched {
            similarity[i as usize] = 0.0;
        }
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > WORKING_SET_NEGATIVES {
            scored.select_nth_unstable_by(WORKING_SET_NEGATIVES - 1, order);
            scored.truncate(WORKING_SET_NEGATIVES);
        }
        let mut members: Vec<u32> = positives.clone();
        members.extend(scored.iter().map(|(i, _)| *i));
        members.sort_unstable();
        let negatives = xs.len() - positives.len();
        Problem {
            rest: negatives - scored.len(),
            members,
        }
    }
}

/// liblinear's `solve_l2r_l1l2_svc` for the squared hinge loss (upper bound
/// infinite, diagonal 1/(2C)), with a bias feature of value 1, over the
/// problem's members plus, when `problem.rest > 0`, one example with no
/// features, label -1 and weight `rest` (its cost C times `rest`, which is
/// the same as `rest` copies of it). `w` is a zeroed buffer of the
/// vocabulary's size, returned zeroed.
fn train_binary(
    xs: &[SparseVec],
    labels: &[usize],
    class: usize,
    problem: &Problem,
    sq_norms: &[f64],
    params: SvmParams,
    w: &mut [f64],
) -> (Vec<(u32, f32)>, f32) {
    const EMPTY: &SparseVec = &SparseVec {
        indices: Vec::new(),
        values: Vec::new(),
    };
    let mut examples: Vec<&SparseVec> = problem.members.iter().map(|&i| &xs[i as usize]).collect();
    let mut y: Vec<f64> = problem
        .members
        .iter()
        .map(|&i| {
            if labels[i as usize] == class {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    let mut diag: Vec<f64> = vec![0.5 / params.c; examples.len()];
    let mut qd: Vec<f64> = problem
        .members
        .iter()
        .zip(&diag)
        .map(|(&i, d)| sq_norms[i as usize] + d)
        .collect();
    if problem.rest > 0 {
        let d = 0.5 / (params.c * problem.rest as f64);
        examples.push(EMPTY);
        y.push(-1.0);
        diag.push(d);
        qd.push(1.0 + d);
    }
    let l = examples.len();
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
            let x = examples[i];
            let yi = y[i];
            let mut dot = b;
            for (&f, &v) in x.indices.iter().zip(&x.values) {
                dot += w[f as usize] * f64::from(v);
            }
            let g = yi * dot - 1.0 + alpha[i] * diag[i];
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
    // Only the members' features were ever touched; collect them and leave
    // the buffer zeroed for the next class.
    let mut nonzero = Vec::new();
    for x in &examples {
        for &f in &x.indices {
            let v = std::mem::take(&mut w[f as usize]);
            if v != 0.0 {
                nonzero.push((f, v as f32));
            }
        }
    }
    nonzero.sort_unstable_by_key(|(f, _)| *f);
    (nonzero, b as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n_classes` topics, each with its own rare words, written over a
    /// shared stock of common words, in `per_class` variants.
    fn topics(n_classes: usize, per_class: usize, salt: u64) -> (Vec<SparseVec>, Vec<usize>) {
        let mut rng = SplitMix64::new(salt);
        let mut xs = Vec::new();
        let mut labels = Vec::new();
        for class in 0..n_classes {
            for _ in 0..per_class {
                let mut features: Vec<(u32, f32)> = Vec::new();
                // Three of the class's six own words...
                for _ in 0..3 {
                    features.push((100 + (class * 6 + rng.below(6)) as u32, 1.0));
                }
                // ...a word of a neighbouring class (confusable pairs)...
                let neighbour = (class + 1) % n_classes;
                features.push((100 + (neighbour * 6 + rng.below(6)) as u32, 0.5));
                // ...and common words.
                for _ in 0..4 {
                    features.push((rng.below(100) as u32, 0.7));
                }
                features.sort_unstable_by_key(|f| f.0);
                features.dedup_by_key(|f| f.0);
                let norm = features.iter().map(|f| f.1 * f.1).sum::<f32>().sqrt();
                xs.push(SparseVec {
                    indices: features.iter().map(|f| f.0).collect(),
                    values: features.iter().map(|f| f.1 / norm).collect(),
                });
                labels.push(class);
            }
        }
        (xs, labels)
    }

    fn predict(svm: &LinearSvm, x: &SparseVec) -> usize {
        let scores = svm.scores(x);
        (0..scores.len())
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
            .unwrap_or(0)
    }

    #[test]
    fn working_sets_classify_like_full_training() {
        let n_classes = 60;
        let n_features = 100 + n_classes * 6;
        let (train, train_labels) = topics(n_classes, 8, 1);
        let (test, test_labels) = topics(n_classes, 5, 2);
        let full = LinearSvm::train(
            &train,
            &train_labels,
            n_classes,
            n_features,
            SvmParams::default(),
        );
        // 60 classes × 480 examples: far above this, so every class trains on
        // its 8 examples, 256 of its 472 negatives and the aggregate.
        let working = LinearSvm::train(
            &train,
            &train_labels,
            n_classes,
            n_features,
            SvmParams {
                working_set_above_pairs: 1_000,
                ..SvmParams::default()
            },
        );
        assert!(
            working.n_weights() < full.n_weights(),
            "fewer weights stored"
        );
        let accuracy = |svm: &LinearSvm| {
            test.iter()
                .zip(&test_labels)
                .filter(|(x, y)| predict(svm, x) == **y)
                .count() as f64
                / test.len() as f64
        };
        let (a_full, a_working) = (accuracy(&full), accuracy(&working));
        assert!(a_full > 0.9, "full training: {a_full}");
        assert!(
            a_working >= a_full - 0.02,
            "working sets {a_working} vs full {a_full}"
        );
        let agree = test
            .iter()
            .filter(|x| predict(&full, x) == predict(&working, x))
            .count() as f64
            / test.len() as f64;
        assert!(agree > 0.95, "predictions agree on {agree}");
    }

    #[test]
    fn the_aggregate_keeps_unrelated_messages_low() {
        // Class 0 is about word 0. Classes 1..=32 use word 0 too, each with a
        // word of its own: class 0's working set is exactly their 256
        // examples. Classes 33..=92 share nothing with class 0. Trained on
        // the working set alone, class 0 would separate itself from its
        // neighbours by their own words and keep a bias near or above zero:
        // a message of unseen words would look like a match. The aggregate
        // stands for the unrelated classes and keeps the bias low.
        let mut xs = Vec::new();
        let mut labels = Vec::new();
        let unit = |indices: Vec<u32>| {
            let v = 1.0 / (indices.len() as f32).sqrt();
            SparseVec {
                values: vec![v; indices.len()],
                indices,
            }
        };
        for class in 0..93u32 {
            for variant in 0..8u32 {
                let own = 1 + class * 8 + variant;
                xs.push(match class {
                    0 => unit(vec![0]),
                    1..=32 => unit(vec![0, own]),
                    _ => unit(vec![own]),
                });
                labels.push(class as usize);
            }
        }
        let n_features = 1 + 93 * 8 + 1;
        let svm = LinearSvm::train(
            &xs,
            &labels,
            93,
            n_features,
            SvmParams {
                working_set_above_pairs: 1_000,
                ..SvmParams::default()
            },
        );
        let unseen = unit(vec![n_features as u32 - 1]);
        let score = svm.scores(&unseen)[0];
        assert!(score < -0.5, "an unseen message scores {score} for class 0");
        assert!(svm.scores(&unit(vec![0]))[0] > 0.0, "class 0's own word");
    }
}
