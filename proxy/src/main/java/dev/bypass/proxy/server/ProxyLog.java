package dev.bypass.proxy.server;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's log: one line per event in PgBouncer's style ({@code C-12: db/user@10.0.0.1:51234 login attempt: ...},
 * {@code S-3: db/user@127.0.0.1:5432 new connection to server}, {@code stats: ...}), through SLF4J (whose backend
 * decides levels and where lines go), and appended to logfile too when one is configured, as PgBouncer writes both.
 */
final class ProxyLog {
    private static final Logger LOG = LoggerFactory.getLogger("dev.bypass.proxy");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");

    private volatile Writer file;
    private volatile Path path;

    /** Appends to {@code logfile} from now on (null or empty: stop); reopened by RELOAD, so rotation works. */
    synchronized void file(String logfile) {
        Writer old = file;
        file = null;
        path = null;
        if (old != null) {
            try {
                old.close();
            } catch (IOException ignored) {
                // a log file that cannot be closed is no reason to stop
            }
        }
        if (logfile == null || logfile.isEmpty()) return;
        try {
            Path p = Path.of(logfile);
            file = Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            path = p;
        } catch (IOException e) {
            LOG.error("cannot open logfile {}: {}", logfile, e.getMessage());
        }
    }

    void info(String line) {
        LOG.info(line);
        toFile("LOG", line);
    }

    void warning(String line) {
        LOG.warn(line);
        toFile("WARNING", line);
    }

    void error(String line) {
        LOG.error(line);
        toFile("ERROR", line);
    }

    /**
     * A debug event, asked for with {@code verbose}: at DEBUG when the backend lets DEBUG through, else at INFO, so that
     * verbose alone shows it, as in PgBouncer.
     */
    void debug(String line) {
        if (LOG.isDebugEnabled()) LOG.debug(line);
        else LOG.info(line);
        toFile("DEBUG", line);
    }

    private void toFile(String level, String line) {
        Writer w = file;
        if (w == null) return;
        synchronized (this) {
            try {
                w.write(ZonedDateTime.now().format(TIME) + " [" + ProcessHandle.current().pid() + "] " + level + " " + line + "\n");
                w.flush();
            } catch (IOException e) {
                LOG.error("cannot write logfile {}: {}", path, e.getMessage());
            }
        }
    }

    void close() { file(null); }
}
