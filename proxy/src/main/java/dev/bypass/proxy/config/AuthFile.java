package dev.bypass.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's auth_file: {@code "user" "password"} per line, {@code ""} for a quote inside a field, anything after
 * the second field ignored, lines starting with ';' or '#' comments.
 */
public final class AuthFile {
    private AuthFile() {}

    /** The users and their secrets; an error names the file and line. */
    public static Map<String, Secret> read(Path file) throws IOException {
        Map<String, Secret> users = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 1; n <= lines.size(); n++) {
            String l = lines.get(n - 1).strip();
            if (l.isEmpty() || l.startsWith(";") || l.startsWith("#")) continue;
            List<String> fields = new ArrayList<>();
            int i = 0;
            while (i < l.length() && fields.size() < 2) {
                if (Character.isWhitespace(l.charAt(i))) { i++; continue; }
                if (l.charAt(i) != '"') throw new ConfigException(file + ":" + n + ": expected \"user\" \"password\"");
                StringBuilder f = new StringBuilder();
                i++;
                while (true) {
                    if (i >= l.length()) throw new ConfigException(file + ":" + n + ": unterminated quoted field");
                    char c = l.charAt(i++);
                    if (c == '"') {
                        if (i < l.length() && l.charAt(i) == '"') { f.append('"'); i++; } else break;
                    } else f.append(c);
                }
                fields.add(f.toString());
            }
            if (fields.size() < 2) throw new ConfigException(file + ":" + n + ": expected \"user\" \"password\"");
            users.put(fields.get(0), Secret.of(fields.get(1)));
        }
        return users;
    }
}
