package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramVerifier;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.elf.ElfException;
import dev.bypass.vm.elf.ElfLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Feeds seeded corruptions of the bundled clang objects to the ELF loader: every copy must load or fail with
 * {@link ElfException}: no other exception, no hang, no out-of-memory. Mutations are aimed at whole-file bytes,
 * at the section header table and at the bytes of one section (BTF, .BTF.ext, symbols, relocations, code), with
 * boundary values (0, -1, huge) as well as random ones, and truncations.
 */
class ElfMutationTest {
    static final long BASE_SEED = Long.getLong("bypass.mutation.seed", 0x5eed_e1fL);
    static final int PER_OBJECT = 5000;

    record Range(long start, long size) {}

    static final ProgramRuntime RUNTIME = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY)
            .budget(100_000).trace(line -> {}).build();

    static List<Range> sections(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int shnum = b.getShort(0x3c) & 0xffff;
        List<Range> out = new ArrayList<>();
        out.add(new Range(shoff, (long) shnum * 64)); // the header table itself
        for (int i = 1; i < shnum; i++) {
            int h = (int) shoff + i * 64;
            if (b.getInt(h + 4) == 8) continue; // NOBITS
            long off = b.getLong(h + 24), size = b.getLong(h + 32);
            if (size > 0) out.add(new Range(off, size));
        }
        return out;
    }

    static byte[] mutate(byte[] original, List<Range> sections, Random r) {
        byte[] b = original.clone();
        int edits = 1 + r.nextInt(6);
        for (int e = 0; e < edits; e++) {
            Range range = r.nextInt(4) == 0 ? new Range(0, b.length) : sections.get(r.nextInt(sections.size()));
            if (range.start() >= b.length) continue;
            long size = Math.min(range.size(), b.length - range.start());
            if (size <= 0) continue;
            int at = (int) (range.start() + (long) (r.nextDouble() * size));
            switch (r.nextInt(6)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> put(b, at & ~3, 4, boundary(r));
                case 3 -> put(b, at & ~7, 8, boundary(r));
                case 4 -> put(b, at & ~3, 4, r.nextInt(Math.max(1, b.length * 2)));
                default -> {
                    if (r.nextInt(3) == 0) b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                    else b[at] = 0;
                }
            }
        }
        return b;
    }

    static long boundary(Random r) {
        long[] values = {0, 1, -1, 0x7fffffffL, 0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 8, 16, 24, 64, 0x10000};
        return values[r.nextInt(values.length)];
    }

    static void put(byte[] b, int at, int width, long v) {
        for (int i = 0; i < width && at + i < b.length; i++) if (at + i >= 0) b[at + i] = (byte) (v >>> (8 * i));
    }

    /** Test objects that reach other loader paths: legacy maps, static program arrays, perf arrays, packets. */
    static final List<String> EXTRA = List.of("legacy_maps", "tail_init", "compat", "perf_output", "packet_scan", "skeleton_types");

    static byte[] object(String name) {
        if (BundledPrograms.ALL.contains(name)) return BundledPrograms.object(name);
        try (var in = ElfMutationTest.class.getResourceAsStream("/bpf/" + name + ".o")) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TestFactory Stream<DynamicTest> corruptedObjectsFailCleanly() {
        return Stream.concat(BundledPrograms.ALL.stream(), EXTRA.stream()).map(name -> DynamicTest.dynamicTest(name, () -> {
            byte[] original = object(name);
            List<Range> sections = sections(original);
            long seed = BASE_SEED ^ name.hashCode();
            int[] outcome = new int[2];
            int count = BundledPrograms.ALL.contains(name) ? PER_OBJECT : PER_OBJECT / 5;
            // The limit catches a loader that hangs: these mutations take seconds, and a starved machine must not fail them.
            assertTimeoutPreemptively(Duration.ofMinutes(5), () -> IntStream.range(0, count).forEach(i -> {
                Random r = new Random(seed + i);
                byte[] bad = mutate(original, sections, r);
                try {
                    dev.bypass.vm.elf.ElfObject o = ElfLoader.load(bad);
                    outcome[0]++;
                    // Every 8th object that loads also goes through the runtime (maps created from the corrupted
                    // declarations, programs linked and run once): only the project's own errors may come out.
                    if (i % 4 == 0) {
                        // skeleton generation reads BTF deeply: it may refuse a type, never crash
                        try {
                            dev.bypass.programs.skeleton.SkeletonGenerator.generate(o, name + ".o", "gen", "Gen");
                        } catch (dev.bypass.vm.BpfException | IllegalArgumentException refused) {
                            // a clean refusal
                        }
                    }
                    if (i % 8 == 0) {
                        try (LoadedObject lo = RUNTIME.load(name, o)) {
                            for (LoadedProgram p : lo.programs()) {
                                try {
                                    p.run(new byte[64]);
                                } catch (dev.bypass.vm.BpfException runError) {
                                    // a corrupted program may fault: that is a clean failure
                                }
                            }
                        } catch (dev.bypass.vm.BpfException loadError) {
                            // unknown helper, bad map declaration, ...: a clean failure
                        }
                    }
                } catch (ElfException expected) {
                    assertNotNull(expected.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("object " + name + ", seed " + (seed + i) + " (mutation " + i + "): " + t, t);
                }
            }), "object " + name + " with seeds from " + seed);
            System.out.println("ELF mutations of " + name + ": " + outcome[0] + " loaded, " + outcome[1] + " rejected");
            assertEquals(count, outcome[0] + outcome[1]);
            assertTrue(outcome[1] > count / 10, name + ": mutations should mostly be caught, " + outcome[1] + " were");
        }));
    }
}
