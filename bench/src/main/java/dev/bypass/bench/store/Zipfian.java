package dev.bypass.bench.store;

import java.util.SplittableRandom;

/**
 * YCSB's scrambled Zipfian key chooser (constant 0.99, after Gray et al., "Quickly generating billion-record
 * synthetic databases"): popular items are spread over the key space by hashing.
 */
final class Zipfian {
    private final long items;
    private final double theta = 0.99, zetan, alpha, eta;
    private final SplittableRandom rnd;

    Zipfian(long items, long seed) {
        this.items = items;
        this.rnd = new SplittableRandom(seed);
        double z = 0;
        for (long i = 1; i <= items; i++) z += 1 / Math.pow(i, theta);
        zetan = z;
        double zeta2 = 1 + 1 / Math.pow(2, theta);
        alpha = 1 / (1 - theta);
        eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2 / zetan);
    }

    long next() {
        double u = rnd.nextDouble(), uz = u * zetan;
        long v;
        if (uz < 1) v = 0;
        else if (uz < 1 + Math.pow(0.5, theta)) v = 1;
        else v = (long) (items * Math.pow(eta * u - eta + 1, alpha));
        return Math.floorMod(fnv(v), items);
    }

    double nextDouble() { return rnd.nextDouble(); }

    private static long fnv(long v) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < 8; i++) {
            h ^= (v >>> (8 * i)) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
