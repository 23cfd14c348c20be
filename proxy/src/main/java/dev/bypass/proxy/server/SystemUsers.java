package dev.bypass.proxy.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** System user names by uid, from /etc/passwd (for peer authentication on the Unix socket). */
final class SystemUsers {
    private SystemUsers() {}

    static String name(int uid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":", -1);
            if (f.length > 2 && f[2].equals(Integer.toString(uid))) return f[0];
        }
        return null;
    }
}
