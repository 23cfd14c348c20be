package dev.bypass.programs;

import dev.bypass.vm.maps.MapException;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationException;
import dev.bypass.vm.verification.VerificationRequest;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.maps.BpfMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HookTest {
    record Event(long key) {}

    static final ProgramType EVENTS = new ProgramType("event", "bypass/counter",
            ContextLayout.of("counter_ctx", 8, ContextField.readOnly("key", 0, 8)));

    @Test void attachAndDetachWhileTrafficFlows() throws Exception {
        ProgramTypes types = new ProgramTypes().register(EVENTS);
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).types(types).build();
        try (LoadedObject a = rt.load("a", BundledPrograms.object(BundledPrograms.COUNTER));
             LoadedObject b = rt.load("b", BundledPrograms.object(BundledPrograms.COUNTER))) {
            assertEquals(EVENTS, a.program("count_event").type());
            Hook<Event> hook = new Hook<>("events", EVENTS, e -> Le.k64(e.key()));
            assertEquals(-5, hook.fire(new Event(1), -5), "nothing attached");
            hook.attach(a.program("count_event"));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong fired = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < 3; t++) {
                Thread th = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            hook.fire(new Event(7));
                            fired.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                workers.add(th);
                th.start();
            }
            int cycles = 0;
            long deadline = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < deadline) {
                try (Hook<Event>.Attachment second = hook.attach(b.program("count_event"))) {
                    Thread.onSpinWait();
                }
                cycles++;
            }
            stop.set(true);
            for (Thread th : workers) th.join();
            assertEquals(List.of(), errors);
            assertTrue(cycles > 10);
            long countA = Le.u64At(a.map("counts").lookup(Le.k64(7)), 0);
            assertEquals(fired.get(), countA, "the program attached throughout saw every event");
            byte[] bCount = b.map("counts").lookup(Le.k64(7));
            long countB = bCount == null ? 0 : Le.u64At(bCount, 0);
            assertTrue(countB <= countA, "the program attached part of the time saw a subset");
            assertEquals(1, hook.programs().size());
        }
    }

    /**
     * More threads than the runtime has state slots, in two waves (the second finds slots of ended threads): each
     * thread counts its own key, so a thread that ran on another thread's state (its context, its budget) would
     * show up as a wrong count.
     */
    @Test void everyThreadRunsOnItsOwnStateWhenStateSlotsCollide() throws Exception {
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY)
                .types(new ProgramTypes().register(EVENTS)).build();
        try (LoadedObject counter = rt.load("counter", BundledPrograms.object(BundledPrograms.COUNTER))) {
            Hook<Event> hook = new Hook<>("events", EVENTS, e -> Le.k64(e.key()));
            hook.attach(counter.program("count_event"));
            int threads = 150, perThread = 2_000;
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int wave = 0; wave < 2; wave++) {
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long key = t;
                    Thread th = new Thread(() -> {
                        try {
                            start.await();
                            for (int i = 0; i < perThread; i++) hook.fire(new Event(key));
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    });
                    workers.add(th);
                    th.start();
                }
                start.countDown();
                for (Thread th : workers) th.join();
            }
            assertEquals(List.of(), errors);
            for (int t = 0; t < threads; t++)
                assertEquals(2L * perThread, Le.u64At(counter.map("counts").lookup(Le.k64(t)), 0), "events of key " + t);
        }
    }

    record Message(byte[] bytes, int needle) {}

    @Test void packetHooksPassDataAndEndPointers() throws Exception {
        ProgramType packetType = new ProgramType("packet", "test/packet", ContextLayout.of("pkt_ctx", 24,
                new ContextField("data", 0, 8, false, ContextField.Kind.PACKET_START),
                new ContextField("data_end", 8, 8, false, ContextField.Kind.PACKET_END),
                ContextField.readOnly("needle", 16, 4), ContextField.readWrite("found", 20, 4)));
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY)
                .types(new ProgramTypes().register(packetType)).build();
        byte[] obj;
        try (var in = HookTest.class.getResourceAsStream("/bpf/packet_scan.o")) {
            obj = in.readAllBytes();
        }
        int[] found = new int[1];
        Hook<Message> hook = rt.declareHook("wire.message", packetType, new Hook.ContextCodec<>() {
            @Override public byte[] encode(Message m) { return Le.of(24).u64(0).u64(0).u32(m.needle()).u32(0).bytes(); }

            @Override public void decode(byte[] bytes, Message m) { found[0] = Le.u32At(bytes, 20); }

            @Override public byte[] packet(Message m) { return m.bytes(); }
        });
        try (LoadedObject o = rt.load("scan", obj)) {
            hook.attach(o.program("scan"));
            byte[] query = "SELECT 'Q' FROM q WHERE x = 'QQ'".getBytes();
            assertEquals(query.length, hook.fire(new Message(query, 'Q'), -1), "r0 is data_end - data");
            assertEquals(3, found[0]);
            assertEquals(0, hook.fire(new Message(new byte[0], 'Q'), -1));
            assertEquals(0, found[0]);
        }
    }

    @Test void hooksDeclaredByNameInTheRuntime() {
        ProgramRuntime rt = TestRuntimes.runtime();
        ProgramType counterType = BundledPrograms.types().forSection("bypass/counter");
        Hook<Event> hook = rt.declareHook("query.start", counterType, e -> Le.k64(e.key()));
        assertThrows(IllegalArgumentException.class, () -> rt.<Event>declareHook("query.start", counterType, e -> Le.k64(e.key())));
        try (LoadedObject o = rt.load("c", BundledPrograms.object(BundledPrograms.COUNTER));
             LoadedObject other = rt.load("t", BundledPrograms.object(BundledPrograms.TOP_K))) {
            rt.attach("query.start", o.program("count_event"));
            hook.fire(new Event(3));
            assertEquals(1, Le.u64At(o.map("counts").lookup(Le.k64(3)), 0));
            var e = assertThrows(dev.bypass.vm.LoadException.class, () -> rt.attach("nope", o.program("count_event")));
            assertTrue(e.getMessage().contains("declared: query.start"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> rt.attach("query.start", other.program("observe")), "type mismatch");
        }
    }

    @Test void closingAnObjectDetachesAndUnmaps() {
        ProgramRuntime rt = TestRuntimes.runtime();
        LoadedObject o = rt.load("c", BundledPrograms.object(BundledPrograms.COUNTER));
        Hook<Event> hook = new Hook<>("events", o.program("count_event").type(), e -> Le.k64(e.key()));
        hook.attach(o.program("count_event"));
        BpfMap counts = o.map("counts");
        long handle = counts.handle();
        hook.fire(new Event(1));
        o.close();
        assertTrue(hook.isEmpty());
        assertNull(BpfMap.ofHandle(handle));
        assertFalse(rt.objects().contains(o));
        assertThrows(dev.bypass.vm.LoadException.class, () -> o.program("nope"));
        LoadedObject second = rt.load("d", BundledPrograms.object(BundledPrograms.TOP_K));
        long topHandle = second.map("top").handle();
        rt.close();
        assertTrue(rt.objects().isEmpty());
        assertNull(BpfMap.ofHandle(topHandle), "closing the runtime frees its objects' maps");
    }

    @Test void theVerifierSeesTypesMapsAndFrozenRodata() {
        List<VerificationRequest> seen = new ArrayList<>();
        ProgramVerifier capture = new ProgramVerifier() {
            @Override public dev.bypass.vm.facts.ProgramFacts verify(VerificationRequest r) {
                seen.add(r);
                return dev.bypass.vm.facts.ProgramFacts.NONE;
            }

            @Override public String name() { return "capture"; }
        };
        ProgramRuntime rt = ProgramRuntime.builder().verifier(capture).types(BundledPrograms.types()).build();
        try (LoadedObject o = rt.load("rl", BundledPrograms.object(BundledPrograms.RATE_LIMITER))) {
            VerificationRequest r = seen.get(0);
            assertEquals("admit", r.programName());
            assertEquals("ratelimit", r.type().name());
            assertEquals(16, r.type().context().size());
            int rodata = o.elf().mapIndex(".rodata"), bss = o.elf().mapIndex(".bss");
            assertTrue(r.maps().get(rodata).readOnlyForPrograms());
            assertEquals(10 + 5, r.frozenContents(rodata)[0] + r.frozenContents(rodata)[8], "rate and burst");
            assertNull(r.frozenContents(bss), ".bss changes");
            assertNotNull(r.lines().apply(0));
            assertEquals("capture", o.program("admit").verifiedBy());
            var e = assertThrows(VerificationException.class, () -> ProgramRuntime.builder().verifier(new ProgramVerifier() {
                @Override public dev.bypass.vm.facts.ProgramFacts verify(VerificationRequest q) { throw new VerificationException("R1 invalid mem access"); }

                @Override public String name() { return "rejecting"; }
            }).build().load("x", BundledPrograms.object(BundledPrograms.COUNTER)));
            assertEquals("program count_event (bypass/counter) rejected: R1 invalid mem access", e.getMessage());
        }
    }

    @Test void runtimeWithoutVerifierRefusesToBeBuilt() {
        // Until the verifier module registers itself, asking for the standard verifier fails loudly rather than
        // running programs unchecked.
        try {
            ProgramVerifier v = Verifiers.standard();
            assertNotEquals(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY, v);
        } catch (VerificationException e) {
            assertTrue(e.getMessage().contains("no program verifier"));
        }
        ProgramRuntime rt = TestRuntimes.runtime();
        try (LoadedObject o = rt.load("c", BundledPrograms.object(BundledPrograms.COUNTER))) {
            assertFalse(o.program("count_event").verified(), "the test-only path marks programs unverified");
        }
    }
}
