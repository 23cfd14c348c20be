package dev.bypass.postgres;

import static org.junit.jupiter.api.Assertions.*;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Start-up on a machine where other tests run: the port picked for PostgreSQL is taken before it can listen, by a
 * server that accepts any login. The embedded server must neither take that server's logins for its own readiness
 * nor give up: it picks another port.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddedPostgresTest {
    /** Answers every startup message with AuthenticationOk, BackendKeyData of this JVM's pid and ReadyForQuery. */
    static final class AnyLogin implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread acceptor = Thread.ofPlatform().daemon().start(this::serve);

        AnyLogin() throws IOException {}

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    var in = new DataInputStream(s.getInputStream());
                    in.readNBytes(in.readInt() - 4);
                    var out = new DataOutputStream(s.getOutputStream());
                    out.writeByte('R');
                    out.writeInt(8);
                    out.writeInt(0);
                    out.writeByte('K');
                    out.writeInt(12);
                    out.writeInt((int) ProcessHandle.current().pid());
                    out.writeInt(42);
                    out.writeByte('Z');
                    out.writeInt(5);
                    out.writeByte('I');
                    out.flush();
                } catch (IOException closedOrDropped) {
                    // next
                }
            }
        }

        int port() { return socket.getLocalPort(); }

        @Override public void close() throws IOException { socket.close(); }
    }

    @Test
    void aPickedPortTakenByAnotherServerIsReplaced() throws Exception {
        List<Integer> offered = new ArrayList<>();
        try (AnyLogin other = new AnyLogin();
             EmbeddedPostgres pg = EmbeddedPostgres.start(() -> {
                 int p = offered.isEmpty() ? other.port() : freePort();
                 offered.add(p);
                 return p;
             }, 0, List.of(), null, null)) {
            assertEquals(2, offered.size(), "the taken port was given up for another: " + offered);
            assertEquals(offered.get(1), pg.port());
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_setting('port')::int")) {
                assertTrue(rs.next());
                assertEquals(pg.port(), rs.getInt(1));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
