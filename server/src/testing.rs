//! What the unit tests share.

/// A small deterministic random sequence (xorshift64) for tests that try
/// many generated inputs: the same seed gives the same inputs every run.
pub struct Xorshift(pub u64);

impl Xorshift {
    /// The next number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        let s = &mut self.0;
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        (*s % n as u64) as usize
    }
}
