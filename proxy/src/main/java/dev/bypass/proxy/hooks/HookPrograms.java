package dev.bypass.proxy.hooks;

import dev.bypass.proxy.config.ProgramSpec;
import dev.bypass.proxy.wire.ResultSetWriter.Column;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A query hook whose programs come from the configuration's [programs] section: the proxy applies the section at
 * start and at each RELOAD, and the admin console shows and changes the programs' state through it.
 */
public interface HookPrograms {
    /**
     * Loads and verifies every program the section names, then swaps them in at once; a failure changes nothing and
     * its message names the key, the file, the program, the instruction and the reason. Returns what was done, one
     * line each, for the log (maps kept or created, programs replaced).
     */
    List<String> apply(Map<String, ProgramSpec> programs) throws IOException;

    /** A result set for the console. */
    record Table(List<Column> columns, List<List<String>> rows) {}

    /** SHOW PROGRAMS: hook, object, program, run count, run time, denies. */
    Table showPrograms();

    /** SHOW MAPS: every map of the attached objects. */
    Table showMaps();

    /** SHOW MAP name: its entries (a ring buffer's pending records, which are consumed). */
    Table showMap(String name);

    /** SET MAP name key value: key and value as hex ({@code 0x0a00..} or {@code x'..'}) or integers of the map's sizes. */
    void setMap(String name, String key, String value);
}
