package dev.bypass.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An auth_ident_file: {@code map-name system-user database-user} per line, as PgBouncer reads it (no regular
 * expressions, no includes; the database user may be {@code all}). It says which database users a peer's system user
 * or a certificate's common name may log in as.
 */
public final class IdentMap {
    private record Entry(String map, String systemUser, String databaseUser) {}

    private final List<Entry> entries;

    private IdentMap(List<Entry> entries) { this.entries = List.copyOf(entries); }

    public static IdentMap read(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 1; n <= lines.size(); n++) {
            String l = lines.get(n - 1);
            int hash = l.indexOf('#');
            if (hash >= 0) l = l.substring(0, hash);
            String[] f = l.strip().split("\\s+");
            if (f.length == 1 && f[0].isEmpty()) continue;
            if (f.length != 3) throw new ConfigException(file + ":" + n + ": expected MAP SYSTEM-USER DATABASE-USER");
            if (f[1].startsWith("/")) throw new ConfigException(file + ":" + n + ": regular expressions are not supported");
            out.add(new Entry(f[0], f[1], f[2]));
        }
        return new IdentMap(out);
    }

    /** Whether {@code map} lets {@code systemUser} log in as {@code databaseUser}. */
    public boolean allows(String map, String systemUser, String databaseUser) {
        for (Entry e : entries)
            if (e.map().equals(map) && e.systemUser().equals(systemUser) && (e.databaseUser().equals("all") || e.databaseUser().equals(databaseUser)))
                return true;
        return false;
    }
}
