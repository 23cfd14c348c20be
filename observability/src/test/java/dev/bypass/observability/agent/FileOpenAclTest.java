package dev.bypass.observability.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.acl.AclAdmin;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled access-control program attached to file opening: java.io and NIO opens, live ACL updates. */
class FileOpenAclTest {
    @TempDir Path dir;

    @AfterEach void detach() { BypassAgent.detach(); }

    @Test void opensFollowTheAclTableAndItsLiveUpdates() throws Exception {
        Path open = Files.writeString(dir.resolve("open.txt"), "anyone");
        Path secret = Files.writeString(dir.resolve("secret.txt"), "payroll");
        Path conf = Files.writeString(dir.resolve("acl.conf"), "object acl bundled:acl_filter\nfile-open acl:check_open user=1000\n");
        AgentSession s = BypassAgent.attachSelf(conf);
        AclAdmin admin = new AclAdmin(s.object("acl"));
        admin.protect(secret, 0, 0, List.of(new AclAdmin.Entry(2000, AclAdmin.READ)));

        assertEquals("anyone", Files.readString(open), "no record for the file: allowed");
        AccessDeniedException nio = assertThrows(AccessDeniedException.class, () -> Files.readString(secret));
        assertTrue(nio.getMessage().contains("secret.txt") && nio.getReason().contains("user 1000"), nio.getMessage() + " / " + nio.getReason());
        assertThrows(AccessDeniedException.class, () -> new FileInputStream(secret.toFile()).close());
        assertThrows(AccessDeniedException.class, () -> new RandomAccessFile(secret.toFile(), "r").close());

        admin.grant(secret, 1000, AclAdmin.READ); // live: the next open sees it
        assertEquals("payroll", Files.readString(secret));
        try (var in = new FileInputStream(secret.toFile())) {
            assertEquals('p', in.read());
        }
        assertThrows(AccessDeniedException.class, () -> new FileOutputStream(secret.toFile(), true).close(), "read only");
        assertThrows(AccessDeniedException.class, () -> Files.writeString(secret, "x"));
        assertThrows(AccessDeniedException.class, () -> new RandomAccessFile(secret.toFile(), "rw").close());
        assertEquals("payroll", Files.readString(secret), "the denied writes changed nothing");

        admin.revoke(secret, 1000);
        assertThrows(AccessDeniedException.class, () -> Files.readAllBytes(secret));
        long[] d = admin.decisions();
        assertTrue(d[0] >= 3 && d[1] >= 7 && d[2] >= 1, java.util.Arrays.toString(d));
        assertEquals(d[1], s.fileOpensDenied(), "the program's count and the agent's agree");

        assertTrue(BypassAgent.detach());
        assertEquals("payroll", Files.readString(secret), "detached: no more checks");
    }
}
