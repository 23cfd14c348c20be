package dev.bypass.proxy.sql;

import java.util.HashMap;
import java.util.Map;

/**
 * The SQL-level prepared statements of one client session, by name, with what each does: EXECUTE of a name is
 * classified as the statement it runs. A name the session never prepared (or prepared beyond the bound kept here) is
 * {@link StatementClass#ROUTINE}: unknowable. Not thread-safe: one session's state.
 */
public final class PreparedStatements {
    /** Names kept per session; beyond this an EXECUTE of an unrecorded name is simply unknowable. */
    static final int LIMIT = 1024;

    private final Map<String, Integer> byName = new HashMap<>();

    /** The classes the EXECUTEs of {@code c} add, reading the PREPAREs before them in the same text first. */
    public int effects(Classification c) {
        if (c.ops().isEmpty()) return 0;
        int mask = 0;
        Map<String, Integer> local = null; // what this text prepares or drops, over the session's table
        for (Classification.PreparedOp op : c.ops()) {
            switch (op) {
                case Classification.Prepare p -> (local == null ? local = new HashMap<>() : local).put(p.name(), p.mask());
                case Classification.Deallocate d -> {
                    if (local == null) local = new HashMap<>();
                    if (d.name() == null) {
                        for (String n : byName.keySet()) local.put(n, null);
                        local.replaceAll((n, m) -> null);
                    } else {
                        local.put(d.name(), null);
                    }
                }
                case Classification.Execute e -> {
                    Integer m = local != null && local.containsKey(e.name()) ? local.get(e.name()) : byName.get(e.name());
                    mask |= m == null ? StatementClass.ROUTINE.bit() : m;
                }
            }
        }
        return mask;
    }

    /** Records what an allowed text prepared and dropped. */
    public void apply(Classification c) {
        for (Classification.PreparedOp op : c.ops()) {
            switch (op) {
                case Classification.Prepare p -> {
                    if (byName.size() < LIMIT || byName.containsKey(p.name())) byName.put(p.name(), p.mask());
                }
                case Classification.Deallocate d -> {
                    if (d.name() == null) byName.clear();
                    else byName.remove(d.name());
                }
                case Classification.Execute e -> { }
            }
        }
    }

    public int size() { return byName.size(); }
}
