package dev.bypass.observability.agent;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.programs.Verifiers;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.maps.MapSpec;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The standard verifier with its accepted results remembered, once per class loader of the agent: attaching again
 * (detach and attach, another session in the same JVM) skips verifying a program it has already proven, which is
 * most of an attach's CPU time. A result is reused only for the same input in every respect the verifier sees: the
 * instructions, the program type and its context layout, the map specifications, the prototypes of the helpers,
 * and the contents of frozen maps. Rejections are not remembered. Bounded: the least recently used results go.
 */
final class VerificationCache implements ProgramVerifier {
    static final int MAX_PROGRAMS = 256;

    /** Everything verification depends on; instructions and frozen data by their SHA-256. */
    private record Key(String name, String code, ProgramType type, List<MapSpec> maps, Map<Integer, Prototype> helpers) {}

    private static volatile VerificationCache shared;

    private final ProgramVerifier verifier;
    private final Map<Key, ProgramFacts> results = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Key, ProgramFacts> eldest) { return size() > MAX_PROGRAMS; }
    };
    private final AtomicLong verifyCpuNanos = new AtomicLong(), hits = new AtomicLong();
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    VerificationCache(ProgramVerifier verifier) { this.verifier = verifier; }

    /** The cache of this class loader around the standard verifier. */
    static VerificationCache shared() {
        VerificationCache c = shared;
        if (c == null) {
            synchronized (VerificationCache.class) {
                if (shared == null) shared = new VerificationCache(Verifiers.standard());
                c = shared;
            }
        }
        return c;
    }

    @Override public ProgramFacts verify(VerificationRequest request) {
        Key key = key(request);
        synchronized (results) {
            ProgramFacts known = results.get(key);
            if (known != null) {
                hits.incrementAndGet();
                return known;
            }
        }
        long t0 = THREADS.getCurrentThreadCpuTime();
        ProgramFacts facts = verifier.verify(request);
        verifyCpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - t0);
        if (facts != null && facts.verified()) synchronized (results) {
            results.put(key, facts);
        }
        return facts;
    }

    @Override public String name() { return verifier.name(); }

    /** CPU time spent verifying (not answered from the cache) so far. */
    long verifyCpuNanos() { return verifyCpuNanos.get(); }

    /** Programs answered from the cache so far. */
    long hits() { return hits.get(); }

    private static Key key(VerificationRequest r) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long[] words = r.program().words();
        ByteBuffer b = ByteBuffer.allocate(8 * words.length);
        b.asLongBuffer().put(words);
        d.update(b.array());
        for (int i = 0; i < r.maps().size(); i++) {
            byte[] frozen = r.frozenContents(i);
            d.update(ByteBuffer.allocate(4).putInt(frozen == null ? -1 : frozen.length).array());
            if (frozen != null) d.update(frozen);
        }
        Map<Integer, Prototype> helpers = new TreeMap<>();
        for (HelperSpec h : r.helpers().all()) helpers.put(h.id(), h.prototype());
        return new Key(r.programName(), HexFormat.of().formatHex(d.digest()), r.type(), r.maps(), helpers);
    }
}
