package dev.bypass.observability.probes;

/** One kind of operating unit with its four probe points; thread-safe, cheap when no program is attached. */
public final class OperatingUnit {
    private final Probes probes;
    private final String name;
    private final int id;

    OperatingUnit(Probes probes, String name, int id) {
        this.probes = probes;
        this.name = name;
        this.id = id;
    }

    public String name() { return name; }

    public int id() { return id; }

    /** The unit starts running on this thread. */
    public void begin() {
        if (!probes.idle()) probes.fire(Probes.BEGIN, id, null);
    }

    /** The unit stopped running on this thread. */
    public void end() {
        if (!probes.idle()) probes.fire(Probes.END, id, null);
    }

    /** The unit's input features (at most 8; more are dropped). */
    public void features(long... values) {
        if (!probes.idle()) probes.fire(Probes.FEATURES, id, values);
    }

    /** The unit's record is complete: programs may emit it. */
    public void flush() {
        if (!probes.idle()) probes.fire(Probes.FLUSH, id, null);
    }

    @Override public String toString() { return "operating unit " + name + " #" + id; }
}
