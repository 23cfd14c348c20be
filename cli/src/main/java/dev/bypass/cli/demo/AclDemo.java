package dev.bypass.cli.demo;

import dev.bypass.observability.acl.AclAdmin;
import dev.bypass.observability.agent.AclClient;
import dev.bypass.observability.agent.AgentSession;
import dev.bypass.observability.agent.BypassAgent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Demo 2, access control: the bundled acl_filter program attached to file opening in this JVM. An ordinary file
 * reading application (it only knows java.io and java.nio) opens the files of a directory; the File/ACL table
 * decides, and an admin update revokes a right while it runs.
 */
public final class AclDemo {
    private AclDemo() {}

    /** The application: reads every file and appends to its own notes; counts what was allowed and denied. */
    static final class FileReaderApp {
        long allowed, denied;
        String lastDenial;

        void pass(Path dir, List<String> names) {
            for (String n : names) {
                Path f = dir.resolve(n);
                try {
                    Files.readAllBytes(f);
                    allowed++;
                } catch (AccessDeniedException e) {
                    denied++;
                    lastDenial = e.getMessage(); // "file: reason"
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            try {
                Files.writeString(dir.resolve("notes.txt"), "seen\n", StandardOpenOption.APPEND);
                allowed++;
            } catch (AccessDeniedException e) {
                denied++;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    public static final int APP_USER = 1000, ADMIN = 0;

    /** What the program decided between two readings of its decisions map (allowed, denied, without a rule). */
    private static void printDecisions(PrintWriter out, long[] from, long[] to) {
        out.printf("  acl_filter decided: %d allowed by a rule, %d without a rule (allowed), %d denied%n",
                to[0] - from[0], to[2] - from[2], to[1] - from[1]);
    }

    public static void run(PrintWriter out, int rounds) throws Exception {
        Path dir = Files.createTempDirectory("bypass-acl-demo");
        List<String> names = List.of("readme.txt", "payroll.csv", "audit.log", "notes.txt");
        for (String n : names) Files.writeString(dir.resolve(n), n + "\n");
        Path conf = dir.resolve("acl.conf");
        Files.writeString(conf, "object acl bundled:acl_filter\nfile-open acl:check_open user=" + APP_USER + "\nadmin 0\n");
        AgentSession session = BypassAgent.attachSelf(conf);
        try {
            AclAdmin admin = new AclAdmin(session.object("acl"));
            admin.protect(dir.resolve("payroll.csv"), ADMIN, 0, List.of(new AclAdmin.Entry(APP_USER, AclAdmin.READ)));
            admin.protect(dir.resolve("audit.log"), ADMIN, 0, List.of());
            admin.protect(dir.resolve("notes.txt"), APP_USER, 0, List.of());
            out.println("files in " + dir + ": readme.txt (no rule), payroll.csv (admin's; user " + APP_USER
                    + " may read), audit.log (admin only), notes.txt (user " + APP_USER + "'s own)");
            out.println("the application runs as user " + APP_USER + "; acl_filter decides every open");
            long[] start = admin.decisions();
            FileReaderApp app = new FileReaderApp();
            for (int i = 0; i < rounds; i++) app.pass(dir, names);
            long[] mid = admin.decisions();
            out.printf("before the update: %d opens allowed, %d denied (last: %s)%n", app.allowed, app.denied, app.lastDenial);
            printDecisions(out, start, mid);

            // the live update goes through the agent's admin endpoint, as `bypass acl` from another process would
            // with the bearer token the agent wrote at start (readable by this user only)
            String endpoint = "127.0.0.1:" + session.adminPort();
            AclClient client = new AclClient(endpoint, session.adminTokenFile(), "acl");
            client.revoke(dir.resolve("payroll.csv").toString(), APP_USER);
            out.println("admin: bypass acl revoke " + dir.resolve("payroll.csv") + " --user " + APP_USER + " --agent " + endpoint);
            out.println("       (bearer token from " + session.adminTokenFile() + ")");
            out.println("       -> " + client.show(dir.resolve("payroll.csv").toString()) + " (live, in the File/ACL map)");
            long[] resumed = admin.decisions();
            FileReaderApp after = new FileReaderApp();
            for (int i = 0; i < rounds; i++) after.pass(dir, names);
            out.printf("after the update:  %d opens allowed, %d denied%n", after.allowed, after.denied);
            printDecisions(out, resumed, admin.decisions());
            long allowed = app.allowed + after.allowed, denied = app.denied + after.denied;
            try {
                Files.readString(dir.resolve("payroll.csv"));
                allowed++;
                out.println("payroll.csv: read (unexpected)");
            } catch (AccessDeniedException e) {
                denied++;
                out.println("payroll.csv: denied -> " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            // The program decides every open of this JVM: also the few of the demo itself, outside the application.
            long[] d = admin.decisions();
            long counted = d[0] + d[1] + d[2];
            out.printf("decisions counted by the program: %d allowed, %d denied, %d without a rule = %d opens: the application's %d "
                    + "(%d allowed, %d denied) and %d other opens of this JVM%n", d[0], d[1], d[2], counted, allowed + denied, allowed, denied,
                    counted - allowed - denied);
        } finally {
            BypassAgent.detach();
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
        out.flush();
    }
}
