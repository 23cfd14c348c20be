package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.BundledPrograms;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgMapCommandsTest {
    @TempDir Path dir;

    CliTest.Result run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--state";
        all[args.length + 1] = dir.resolve("state").toString();
        return CliTest.run("", all);
    }

    @Test void loadRunInspectAndDetachAcrossInvocations() throws Exception {
        Path obj = dir.resolve("counter.o");
        Files.write(obj, BundledPrograms.object(BundledPrograms.COUNTER));
        CliTest.Result r = run("prog", "load", obj.toString(), "--unverified");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("loaded counter/count_event (bypass/counter, ") && r.out().endsWith(" instructions, UNVERIFIED)\n"), r.out());
        r = run("prog", "list", "--json");
        assertTrue(r.out().startsWith("[{\"object\":\"counter\",\"name\":\"count_event\",\"section\":\"bypass/counter\",\"type\":\"counter\""), r.out());
        assertTrue(r.out().contains("\"verified\":false"), r.out());
        for (int i = 0; i < 2; i++) assertEquals(0, run("prog", "run", "count_event", "--ctx", "0700000000000000", "--repeat", "2").code());
        r = run("map", "dump", "counts", "--json");
        assertTrue(r.out().contains("\"key_int\":7,\"key_btf\":7,\"value\":\"0400000000000000\",\"value_int\":4,\"value_btf\":4"), "state persisted between runs: " + r.out());
        assertEquals(0, run("map", "update", "counter/counts", "0800000000000000", "2a00000000000000", "--flags", "noexist").code());
        r = run("map", "update", "counts", "0800000000000000", "2a00000000000000", "--flags", "noexist");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("EEXIST"), r.err());
        r = run("map", "dump", "counts");
        assertTrue(r.out().contains("key 0800000000000000  value 2a00000000000000"), r.out());
        assertEquals(0, run("map", "delete", "counts", "0800000000000000").code());
        r = run("map", "delete", "counts", "0800000000000000");
        assertTrue(r.err().contains("ENOENT"), r.err());
        r = run("map", "list");
        assertTrue(r.out().contains("counter/counts") && r.out().contains("counter/new_keys"), r.out());
        r = run("map", "dump", "new_keys", "--json");
        assertTrue(r.out().contains("\"values\":[{\"value\":\"0700000000000000\""), r.out());
        r = run("prog", "detach", "counter");
        assertEquals("detached counter\n", r.out());
        assertEquals("", run("prog", "list").out());
        r = run("prog", "run", "count_event");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("no loaded program count_event"), r.err());
    }

    @Test void genSkeletonWritesJavaSource() throws Exception {
        Path obj = dir.resolve("acl_filter.o");
        Files.write(obj, BundledPrograms.object(BundledPrograms.ACL_FILTER));
        CliTest.Result r = CliTest.run("", "gen", "skeleton", obj.toString(), "--package", "com.example", "-o", dir.toString());
        assertEquals(0, r.code(), r.err());
        String src = Files.readString(dir.resolve("AclFilterSkeleton.java"));
        assertTrue(src.startsWith("package com.example;"));
        assertTrue(src.contains("public record FileRecord(long device, long inode, String name, int owner, int defaultAccess, int aclCount, int pad, java.util.List<AclEntry> acl)"), src);
        assertTrue(src.contains("public long checkOpen(OpenRequest ctx)"));
    }
}
