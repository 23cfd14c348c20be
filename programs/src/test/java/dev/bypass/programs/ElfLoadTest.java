package dev.bypass.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.elf.*;
import dev.bypass.vm.maps.MapType;
import org.junit.jupiter.api.Test;

class ElfLoadTest {
    @Test void everyBundledObjectLoads() {
        for (String name : BundledPrograms.ALL) {
            ElfObject o = ElfLoader.load(BundledPrograms.object(name));
            assertEquals("GPL", o.license(), name);
            assertFalse(o.programs().isEmpty(), name);
            for (ElfProgram p : o.programs()) {
                assertTrue(p.section().startsWith("bypass/"), p.section());
                assertNotNull(p.lineAt(0), name + " " + p.name() + " has line info");
            }
        }
    }

    @Test void btfMapsAndGlobalData() {
        ElfObject o = ElfLoader.load(BundledPrograms.object(BundledPrograms.RATE_LIMITER));
        MapDefinition buckets = o.maps().get(o.mapIndex("buckets"));
        assertEquals(MapType.LRU_HASH, buckets.spec().type());
        assertEquals(4, buckets.spec().keySize());
        assertEquals(16, buckets.spec().valueSize());
        assertEquals(10000, buckets.spec().maxEntries());
        assertEquals("bucket", o.btf().resolve(buckets.valueTypeId(), "t").name());
        MapDefinition rodata = o.maps().get(o.mapIndex(".rodata"));
        assertEquals(MapDefinition.Kind.RODATA, rodata.kind());
        assertEquals(16, rodata.spec().valueSize());
        assertEquals(10, rodata.initialData()[0]); // rate_per_sec = 10
        assertEquals(MapDefinition.Kind.BSS, o.maps().get(o.mapIndex(".bss")).kind());
        ElfObject router = ElfLoader.load(BundledPrograms.object(BundledPrograms.CONNECTION_ROUTER));
        assertEquals(3, router.programs().size());
        assertEquals(65536, router.maps().get(router.mapIndex("events")).spec().maxEntries());
        assertEquals(MapType.PROG_ARRAY, router.maps().get(router.mapIndex("handlers")).spec().type());
    }

    @Test void subprogramsAreAppendedAndLinesKnown() {
        ElfObject o = ElfLoader.load(BundledPrograms.object(BundledPrograms.LATENCY_HISTOGRAM));
        ElfProgram p = o.program("record_latency");
        // record_latency calls log2_u64, which passes shift_step to bpf_loop: both appended after the entry
        assertTrue(p.program().slotCount() > 31 + 12, "slots " + p.program().slotCount());
        LineInfo l = p.lineAt(0);
        assertTrue(l.file().endsWith("latency_hist.c"), l.toString());
        assertTrue(l.source().contains("latency_ns"), l.toString());
    }
}
