/** mulberry32: a small deterministic PRNG, uniform in [0, 1) (see prng.js). */
export declare function prng(seed: number): () => number;
