package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.maps.BpfMap;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every bundled program run by the interpreter and by the JIT on the same seeded contexts: the same r0 for every
 * run and the same map contents afterwards, with the JIT compiling both without facts (every access checked) and
 * with the standard verifier's facts.
 */
class EnginesAgreeTest {
    @TestFactory
    Stream<DynamicTest> interpreterAndJitAgreeOnBundledPrograms() {
        return BundledPrograms.ALL.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            String interpreted = trace(name, EngineKind.INTERPRETER, ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
            assertEquals(interpreted, trace(name, EngineKind.JIT, ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY), "JIT without facts");
            assertEquals(interpreted, trace(name, EngineKind.JIT, new StandardVerifier()), "JIT with the verifier's facts");
            long runs = interpreted.lines().filter(l -> !l.contains(" error ") && !l.contains("{")).count();
            assertTrue(runs >= 300, "most runs must complete for the comparison to mean something:\n" + interpreted);
        }));
    }

    private static String trace(String name, EngineKind kind, ProgramVerifier verifier) {
        StringBuilder out = new StringBuilder();
        try (ProgramRuntime rt = ProgramRuntime.builder().verifier(verifier)
                .types(BundledPrograms.types()).engine(kind).build()) {
            LoadedObject o = rt.load(name, BundledPrograms.object(name));
            Random rnd = new Random(name.hashCode());
            for (LoadedProgram p : o.programs()) {
                int size = Math.min(p.type().context().size(), 256);
                for (int i = 0; i < 300; i++) {
                    byte[] ctx = new byte[size];
                    // Small values so that keys repeat and counters, histograms and tables fill up.
                    for (int b = 0; b < size; b++) ctx[b] = (byte) rnd.nextInt(4);
                    try {
                        out.append(p.name()).append(' ').append(p.run(ctx)).append('\n');
                    } catch (RuntimeException e) {
                        out.append(p.name()).append(" error ").append(e.getMessage()).append('\n');
                    }
                }
            }
            for (BpfMap m : o.maps()) {
                if (m.name().contains("ringbuf") || m.name().endsWith("events")) continue;
                TreeMap<String, String> entries = new TreeMap<>();
                List<byte[]> keys = new ArrayList<>(m.keys());
                for (byte[] k : keys) {
                    byte[] v = m.lookup(k);
                    entries.put(HexFormat.of().formatHex(k), v == null ? "-" : HexFormat.of().formatHex(v));
                }
                out.append(m.name()).append(' ').append(entries).append('\n');
            }
        }
        return out.toString();
    }
}
