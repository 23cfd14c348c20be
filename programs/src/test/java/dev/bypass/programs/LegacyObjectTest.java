package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramVerifier;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.elf.*;
import dev.bypass.vm.maps.MapType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LegacyObjectTest {
    static byte[] object() throws Exception {
        try (var in = LegacyObjectTest.class.getResourceAsStream("/bpf/legacy_maps.o")) {
            return in.readAllBytes();
        }
    }

    @Test void legacyMapsStaticSubprogramAndStringLiterals() throws Exception {
        ElfObject o = ElfLoader.load(object());
        assertEquals("Dual MIT/GPL", o.license());
        MapDefinition hits = o.maps().get(o.mapIndex("hits")), seen = o.maps().get(o.mapIndex("seen"));
        assertEquals(MapDefinition.Kind.LEGACY, hits.kind());
        assertEquals(MapType.ARRAY, hits.spec().type());
        assertEquals(8, hits.spec().valueSize());
        assertEquals(MapType.HASH, seen.spec().type());
        assertEquals(8, seen.spec().keySize());
        assertEquals(16, seen.spec().maxEntries());
        List<String> lines = new ArrayList<>();
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).trace(lines::add).build();
        try (LoadedObject lo = rt.load("legacy", object())) {
            assertEquals(0, lo.program("prog_a").run(new byte[8]));
            assertEquals(0, lo.program("prog_b").run(new byte[8]));
            assertEquals(List.of("prog_a ran 7"), lines, "trace_printk reads its format from .rodata");
            assertEquals(1, Le.u64At(lo.map("hits").lookup(Le.k32(0)), 0));
            assertEquals(2, Le.u64At(lo.map("hits").lookup(Le.k32(2)), 0), "the shared static function ran twice from prog_b");
            assertEquals(1, Le.u32At(lo.map("seen").lookup(Le.k64(0xabc)), 0));
        }
    }

    @Test void tracingHelpers() throws Exception {
        byte[] obj;
        try (var in = LegacyObjectTest.class.getResourceAsStream("/bpf/compat.o")) {
            obj = in.readAllBytes();
        }
        List<String> lines = new ArrayList<>();
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).trace(lines::add).build();
        try (LoadedObject o = rt.load("compat", obj)) {
            for (int k = 1; k <= 5; k++) o.map("values").update(Le.k32(k), Le.k64(k * 10L), dev.bypass.vm.maps.BpfMap.ANY);
            byte[] all = new byte[8 * dev.bypass.vm.maps.BpfMap.possibleCpus()];
            all[0] = 42; // CPU 0's slot
            o.map("per_cpu").update(Le.k32(0), all, dev.bypass.vm.maps.BpfMap.ANY);
            String oldName = Thread.currentThread().getName();
            Thread.currentThread().setName("bypass-test-thread");
            try {
                assertEquals(0, o.program("compat").run(Le.of(32).str("SELECT 1 FROM a_long_table_name", 32).bytes()));
            } finally {
                Thread.currentThread().setName(oldName);
            }
            byte[] out = o.map("result").lookup(Le.k32(0));
            assertEquals("SELECT 1 FROM a", new String(out, 0, 15), "probe_read_str stops at the buffer size");
            assertEquals(0, out[15]);
            assertEquals("bypass-test-thr", new String(out, 16, 15), "get_current_comm is the thread name");
            assertEquals(150, Le.u64At(out, 32), "for_each_map_elem visited every value");
            assertEquals(5, Le.u64At(out, 40));
            assertEquals(42, Le.u64At(out, 48), "map_lookup_percpu_elem reads CPU 0");
            assertEquals(-14, Le.u64At(out, 56), "probe_read of an unmapped address returns -EFAULT");
            assertEquals(0, Le.u64At(out, 64), "strncmp equal");
            assertEquals(-1, Le.u64At(out, 72), "strncmp less");
            assertEquals("2+3=5 ok", new String(out, 80, 8));
            assertEquals(0, out[88]);
            assertEquals(9, Le.u64At(out, 104), "snprintf returns the length with the NUL");
            assertEquals(List.of("four args 1 2 3 4"), lines, "bpf_printk with four arguments goes through trace_vprintk");
        }
    }

    @Test void perfEventArrayCarriesEventsToTheHost() throws Exception {
        byte[] obj;
        try (var in = LegacyObjectTest.class.getResourceAsStream("/bpf/perf_output.o")) {
            obj = in.readAllBytes();
        }
        try (LoadedObject o = TestRuntimes.runtime().load("perf", obj)) {
            assertEquals(dev.bypass.vm.maps.BpfMap.possibleCpus(), o.map("events").spec().maxEntries(), "one entry per CPU by default");
            for (long id = 1; id <= 3; id++) assertEquals(0, o.program("emit").run(Le.k64(id)));
            var perf = (dev.bypass.vm.maps.PerfEventArray) o.map("events");
            List<dev.bypass.vm.maps.PerfEventArray.Sample> got = new ArrayList<>();
            assertEquals(3, perf.poll(10, 1, java.util.concurrent.TimeUnit.SECONDS, got::add));
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, Le.u64At(got.get(i).data(), 0));
                assertEquals(got.get(i).cpu(), Le.u32At(got.get(i).data(), 8), "the sample's CPU is the program's CPU id");
            }
            assertEquals(0, perf.lost());
        }
    }

    @Test void programArraysFilledInTheirDeclaration() throws Exception {
        byte[] obj;
        try (var in = LegacyObjectTest.class.getResourceAsStream("/bpf/tail_init.o")) {
            obj = in.readAllBytes();
        }
        ElfObject elf = ElfLoader.load(obj);
        assertEquals(List.of(new ElfObject.TailCallSlot(elf.mapIndex("jmp"), 2, "target")), elf.tailCallSlots());
        try (LoadedObject o = TestRuntimes.runtime().load("tail", elf)) {
            assertEquals(42, o.program("entry").run(new byte[8]), "entry tail-calls target through slot 2");
        }
    }

    @Test void runtimeErrorsNameTheSourceLine() {
        // a raw runtime: the acl section has no declared type, so any context size is accepted
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).build();
        try (LoadedObject o = rt.load("acl", BundledPrograms.object(BundledPrograms.ACL_FILTER))) {
            // a context shorter than struct open_request: the first field read past its end faults
            ProgramRunException e = assertThrows(ProgramRunException.class, () -> o.program("check_open").run(new byte[4]));
            assertTrue(e.getMessage().contains("acl_filter.c:"), e.getMessage());
            assertTrue(e.getMessage().startsWith("program check_open: at instruction "), e.getMessage());
        }
        try (LoadedObject o = TestRuntimes.runtime().load("acl", BundledPrograms.object(BundledPrograms.ACL_FILTER))) {
            LoadedProgram p = o.program("check_open");
            assertEquals("acl", p.type().name());
            ContextException e = assertThrows(ContextException.class, () -> p.run(new byte[4]));
            assertTrue(e.getMessage().contains("64-byte open_request"), e.getMessage());
        }
    }
}
