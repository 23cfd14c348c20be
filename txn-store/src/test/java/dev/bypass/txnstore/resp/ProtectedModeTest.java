package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Listening beyond loopback: Redis's protected mode refuses clients from other addresses while the default user has
 * no password. An "outside" client is redis-cli connecting to this machine's own non-loopback address, whose
 * connections come from that address and not from loopback.
 */
class ProtectedModeTest {
    static String outsideAddress() throws Exception {
        for (NetworkInterface n : NetworkInterface.networkInterfaces().toList())
            if (n.isUp() && !n.isLoopback())
                for (InetAddress a : n.inetAddresses().toList()) if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) return a.getHostAddress();
        return null;
    }

    static String cli(String host, int port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--no-auth-warning", "-h", host, "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "redis-cli did not end");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    @Test
    void outsideClientsAreRefusedUntilThereIsAPassword() throws Exception {
        String outside = outsideAddress();
        Assumptions.assumeTrue(outside != null, "this machine has no non-loopback IPv4 address to test protected mode from");
        try (Store store = Store.open(StoreOptions.inMemory());
             RespServer server = RespServer.start(store, Procedures.NONE, 0, 1, RespConfig.defaults(), RespAccess.defaults().withBind("0.0.0.0"))) {
            int port = server.port();
            String denied = Connection.DENIED.substring(1).strip();
            assertTrue(denied.startsWith("DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."));
            assertEquals(denied, cli(outside, port, "SET", "k", "from outside"));
            assertEquals("PONG", cli("127.0.0.1", port, "PING"), "loopback clients are served");
            assertEquals("", cli("127.0.0.1", port, "GET", "k"), "the refused client wrote nothing");
            assertTrue(cli("127.0.0.1", port, "INFO", "stats").contains("rejected_connections:1"));

            // With a password for the default user, outside clients may connect and must authenticate.
            assertEquals("OK", cli("127.0.0.1", port, "CONFIG", "SET", "requirepass", "pw"));
            assertEquals("NOAUTH Authentication required.", cli(outside, port, "PING"));
            assertEquals("PONG", cli(outside, port, "-a", "pw", "PING"));

            // Without a password again, protected mode applies again; turned off, it does not.
            assertEquals("OK", cli("127.0.0.1", port, "-a", "pw", "CONFIG", "SET", "requirepass", ""));
            assertEquals(denied, cli(outside, port, "PING"));
            assertEquals("OK", cli("127.0.0.1", port, "CONFIG", "SET", "protected-mode", "no"));
            assertEquals("PONG", cli(outside, port, "PING"));
            assertEquals("no", cli("127.0.0.1", port, "CONFIG", "GET", "protected-mode").lines().toList().get(1));
            assertEquals("0.0.0.0", cli("127.0.0.1", port, "CONFIG", "GET", "bind").lines().toList().get(1));
        }
    }

    @Test
    void theDefaultBindIsLoopbackOnly() throws Exception {
        String outside = outsideAddress();
        Assumptions.assumeTrue(outside != null, "this machine has no non-loopback IPv4 address to test from");
        try (Store store = Store.open(StoreOptions.inMemory()); RespServer server = RespServer.start(store, Procedures.NONE, 0)) {
            String out = cli(outside, server.port(), "PING");
            assertTrue(out.contains("Connection refused"), out);
            assertEquals("PONG", cli("127.0.0.1", server.port(), "PING"));
        }
    }
}
