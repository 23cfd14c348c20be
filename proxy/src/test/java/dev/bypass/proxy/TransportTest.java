package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.config.Settings.TransportKind;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.server.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transport choice: io_uring, then epoll, then NIO; forced by the key or the system property; served end to end. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TransportTest {

    /** What AUTO resolves to under this JVM's system property (the build runs the suite once per transport). */
    static TransportKind expected() {
        String p = System.getProperty(Transport.PROPERTY, "auto");
        if (!p.equalsIgnoreCase("auto")) return Settings.TRANSPORT.parse(p);
        return IoUring.isAvailable() ? TransportKind.IO_URING : Epoll.isAvailable() ? TransportKind.EPOLL : TransportKind.NIO;
    }

    @Test
    void autoFollowsThePropertyThenWhatLoads() {
        Transport t = Transport.create(TransportKind.AUTO);
        try {
            assertEquals(expected(), t.kind(), t.describe());
            assertTrue(t.describe().startsWith("transport " + Transport.name(t.kind()) + " ("), t.describe());
            assertEquals(t.kind() != TransportKind.NIO, t.unixSockets());
        } finally {
            t.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void theKeyWinsOverTheProperty() {
        Transport t = Transport.create(TransportKind.NIO);
        try {
            assertEquals(TransportKind.NIO, t.kind());
            assertTrue(t.describe().contains("forced by the transport key"), t.describe());
            assertFalse(t.unixSockets());
        } finally {
            t.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBadValueIsRefusedByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Settings.TRANSPORT.parse("kqueue"));
        assertTrue(e.getMessage().contains("io_uring"), e.getMessage());
    }

    @Test
    void aProxyServesQueriesOnTheChosenTransport() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
            ProxyServer proxy = null;
            try {
                ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(2)
                        .with(Settings.POOL_MODE, Settings.PoolMode.TRANSACTION);
                proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start();
                assertEquals(expected(), proxy.transport().kind());
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port()
                        + "/postgres?user=postgres&socketTimeout=30&prepareThreshold=1");
                     Statement s = c.createStatement()) {
                    for (int i = 0; i < 3; i++) {
                        try (ResultSet r = s.executeQuery("SELECT sum(g) FROM generate_series(1, 100000) g")) {
                            assertTrue(r.next());
                            assertEquals(5000050000L, r.getLong(1));
                        }
                    }
                }
            } finally {
                Fixtures.close(proxy, hook);
            }
        }
    }
}
