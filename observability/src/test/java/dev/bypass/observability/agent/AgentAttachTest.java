package dev.bypass.observability.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.LoadedObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent attached to this JVM through the Attach API: probes at entry and exit, deny, helpers, clean detach. */
class AgentAttachTest {
    @TempDir Path dir;

    @AfterEach void detach() { BypassAgent.detach(); }

    static long u64(LoadedObject o, String map, int key) {
        byte[] v = o.map(map).lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(key).array());
        return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static String text(LoadedObject o, int key) {
        byte[] v = o.map("texts").lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(key).array());
        int n = 0;
        while (n < v.length && v[n] != 0) n++;
        return new String(v, 0, n, StandardCharsets.UTF_8);
    }

    static Path testObject(Path dir) throws Exception {
        Path obj = dir.resolve("method_probe.o");
        try (var in = AgentAttachTest.class.getResourceAsStream("/bpf/method_probe.o")) {
            Files.copy(in, obj);
        }
        return obj;
    }

    @Test void probesSeeArgumentsResultsAndTimeAndCanDeny() throws Exception {
        assertEquals(9, Greeter.square(3)); // loaded and run before the agent: instrumented by retransformation
        Path conf = dir.resolve("agent.conf");
        Files.writeString(conf, """
                # probes for the test
                engine jit
                object t method_probe.o
                entry dev.bypass.observability.agent.Greeter#square t:on_enter deny=java.lang.IllegalStateException
                exit  dev.bypass.observability.agent.Greeter#square t:on_exit
                entry dev.bypass.observability.agent.Greeter#greet(ILjava/lang/String;)Ljava/lang/String; t:on_enter
                exit  dev.bypass.observability.agent.Greeter#greet t:on_exit
                exit  dev.bypass.observability.agent.LateGreeter#twice t:on_exit
                """);
        testObject(dir);
        AgentSession s = BypassAgent.attachSelf(conf);
        LoadedObject o = s.object("t");
        assertEquals(16, Greeter.square(4));
        assertEquals(25, Greeter.square(5));
        assertEquals(-1, Greeter.square(-2));
        IllegalStateException denied = assertThrows(IllegalStateException.class, () -> Greeter.square(13));
        assertTrue(denied.getMessage().contains("Greeter#square"), denied.getMessage());
        assertEquals(4, u64(o, "calls", 0), "entry ran for every call, the denied one included");
        assertEquals(16 + 25 - 1, u64(o, "rets", 0), "exit saw the results; the denied call never returned");
        assertTrue(u64(o, "elapsed", 0) > 0);

        Greeter g = new Greeter("ann");
        assertEquals("hello bob hello bob", g.greet(2, "bob"));
        assertEquals(1, u64(o, "calls", 1));
        assertEquals("bob", text(o, 0), "bypass_arg_bytes copied the String argument");
        assertEquals("Greeter(ann)", text(o, 1), "the receiver as its toString");
        assertEquals("hello bob hello bob".length(), u64(o, "rets", 2), "an object result counts as its length (exit probe named without descriptor: id 2)");
        assertThrows(IllegalArgumentException.class, () -> g.greet(99, "x"));
        assertEquals(2, u64(o, "calls", 1));

        assertEquals(14, LateGreeter.twice(7));
        assertEquals(14, u64(o, "rets", 3), "a class loaded after attach is instrumented when it loads");
        assertTrue(s.instrumented().stream().anyMatch(m -> m.startsWith("dev.bypass.observability.agent.LateGreeter#twice")));
        assertEquals(0, s.errors(), String.valueOf(s.lastError()));

        assertTrue(BypassAgent.detach());
        assertEquals(169, Greeter.square(13), "after detach the original code runs");
        assertNull(BypassAgent.current());
    }

    @Test void badConfigurationIsReportedWithItsLine() throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "object t method_probe.o\nentry Greeter.square t:on_enter\n");
        testObject(dir);
        var e = assertThrows(java.io.IOException.class, () -> BypassAgent.attachSelf(conf));
        assertTrue(e.getMessage().contains("bad.conf:2") && e.getMessage().contains("CLASS#METHOD"), e.getMessage());
        assertNull(BypassAgent.current());
    }

    @Test void aProgramOfTheWrongTypeIsRefused() throws Exception {
        Path conf = dir.resolve("acl.conf");
        Files.writeString(conf, "object a bundled:acl_filter\nentry dev.bypass.observability.agent.Greeter#square a:check_open\n");
        var e = assertThrows(java.io.IOException.class, () -> BypassAgent.attachSelf(conf));
        assertTrue(e.getMessage().contains("needs type method"), e.getMessage());
    }
}
