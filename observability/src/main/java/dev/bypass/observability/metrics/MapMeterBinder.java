package dev.bypass.observability.metrics;

import dev.bypass.programs.BtfJson;
import dev.bypass.programs.LoadedObject;
import dev.bypass.vm.elf.Btf;
import dev.bypass.vm.elf.MapDefinition;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapType;
import dev.bypass.vm.maps.RingBuffer;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Meters over the maps of one loaded object, named {@code <prefix>.<object>.<map>} (dotted lowercase; Prometheus
 * renders {@code bypass_counter_counts_total}). What each map becomes:
 * <ul>
 *   <li>every map: gauges {@code <prefix>.map.entries} and {@code <prefix>.map.capacity} tagged object and map;
 *   <li>a ring buffer: gauge {@code <prefix>.ringbuf.pending} (bytes committed, not yet consumed); its records reach
 *       listeners through {@link dev.bypass.programs.RingBufferConsumer} and {@link RecordWriter};
 *   <li>a log2 histogram (an array of at most 64 unsigned 64-bit buckets whose name contains {@code hist}, bucket b
 *       counting values in [2^b, 2^(b+1))): a distribution summary with a bucket boundary at each 2^(b+1)-1;
 *   <li>a counter-like map (hash, array or their per-CPU and LRU forms with 8-byte values): one function counter
 *       per key, tagged {@code key} with the key decoded through BTF; per-CPU values are summed;
 *   <li>a map of structs: one function counter per key and unsigned 64-bit member, named after the member; members
 *       named {@code max*} or {@code min*} become gauges; {@code char} array members become tags;
 *   <li>global variables ({@code .bss}, {@code .data}) of 8 bytes: one function counter each.
 * </ul>
 * Keys that appear later are picked up by {@link #refresh()} (the scrape endpoint calls it before each scrape);
 * at most {@code maxKeysPerMap} keys are bound per map so a busy hash cannot flood the registry.
 */
public final class MapMeterBinder implements MeterBinder {
    private final LoadedObject object;
    private final String prefix;
    private final int maxKeysPerMap;
    private final Tags commonTags;
    private final List<Bound> bound = new ArrayList<>();
    private MeterRegistry registry;

    public MapMeterBinder(LoadedObject object, String prefix, int maxKeysPerMap, Tags commonTags) {
        this.object = object;
        this.prefix = prefix;
        this.maxKeysPerMap = maxKeysPerMap;
        this.commonTags = commonTags;
    }

    public MapMeterBinder(LoadedObject object) { this(object, "bypass", 1000, Tags.empty()); }

    @Override public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (BpfMap m : object.maps()) {
            if (m.isClosed()) continue;
            Tags t = commonTags.and("object", object.name(), "map", m.name());
            Gauge.builder(prefix + ".map.entries", m, x -> x.isClosed() ? Double.NaN : x.size()).tags(t)
                    .description("entries in the map").register(registry);
            Gauge.builder(prefix + ".map.capacity", m, x -> x.spec().maxEntries()).tags(t)
                    .description("maximum entries of the map").register(registry);
            if (m instanceof RingBuffer ring)
                Gauge.builder(prefix + ".ringbuf.pending", ring, r -> r.isClosed() ? Double.NaN : r.query(RingBuffer.AVAIL_DATA))
                        .baseUnit("bytes").tags(t).description("bytes committed and not yet consumed").register(registry);
            Bound b = classify(m);
            if (b != null) bound.add(b);
        }
        refresh();
    }

    /** Binds meters for keys that appeared since the last call and moves histogram deltas into their summaries. */
    public synchronized void refresh() {
        if (registry == null) return;
        for (Bound b : bound) if (!b.map.isClosed()) b.refresh();
    }

    private String meterName(BpfMap m, String suffix) {
        String base = prefix + "." + sanitize(object.name()) + "." + sanitize(m.name());
        return suffix == null ? base : base + "." + sanitize(suffix);
    }

    static String sanitize(String s) {
        String x = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.]+", "_").replaceAll("^[._]+", "");
        return x.isEmpty() ? "_" : x;
    }

    private Bound classify(BpfMap m) {
        MapType type = m.type();
        MapDefinition def = definition(m);
        BtfJson btf = BtfJson.of(object, m);
        if (def != null && def.isGlobalData()) return def.variables().isEmpty() ? null : new GlobalCounters(m, def);
        boolean keyed = switch (type) {
            case HASH, ARRAY, PERCPU_HASH, PERCPU_ARRAY, LRU_HASH, LRU_PERCPU_HASH -> true;
            default -> false;
        };
        if (!keyed || m instanceof RingBuffer) return null;
        int valueSize = m.spec().valueSize();
        if (type == MapType.ARRAY && valueSize == 8 && m.spec().keySize() == 4 && m.spec().maxEntries() <= 64
                && m.name().toLowerCase(Locale.ROOT).contains("hist"))
            return new Log2Histogram(m);
        if (valueSize == 8) return new KeyedCounters(m, btf, List.of(new Field(null, 0, Kind.COUNTER)), List.of());
        if (def != null && def.valueTypeId() > 0) {
            List<Field> fields = new ArrayList<>();
            List<TextField> texts = new ArrayList<>();
            Btf types = object.elf().btf();
            Btf.Type st = types.resolve(def.valueTypeId(), "BTF");
            if (st.kind() == Btf.STRUCT) {
                for (Btf.Member mem : st.members()) {
                    if (mem.size() != 0 || mem.offset() % 8 != 0 || mem.name().isEmpty()) continue;
                    Btf.Type mt = types.resolve(mem.type(), "BTF");
                    int off = (int) (mem.offset() / 8);
                    if (mt.kind() == Btf.INT && mt.sizeOrType() == 8 && !mt.signed()) {
                        String n = mem.name().toLowerCase(Locale.ROOT);
                        fields.add(new Field(mem.name(), off, n.startsWith("max") || n.startsWith("min") ? Kind.GAUGE : Kind.COUNTER));
                    } else if (mt.kind() == Btf.ARRAY) {
                        Btf.Type elem = types.resolve(mt.elementType(), "BTF");
                        if (elem.kind() == Btf.INT && elem.sizeOrType() == 1 && elem.name().contains("char"))
                            texts.add(new TextField(mem.name(), off, (int) mt.length()));
                    }
                }
            }
            if (!fields.isEmpty()) return new KeyedCounters(m, btf, fields, texts);
        }
        return null;
    }

    private MapDefinition definition(BpfMap m) {
        int i = object.maps().indexOf(m);
        return i < 0 || i >= object.elf().maps().size() ? null : object.elf().maps().get(i);
    }

    static long u64(byte[] b, int off) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    /** Reads an unsigned 64-bit value at an offset of a key's value, summed over CPUs; NaN once the key is gone. */
    static double read(BpfMap m, byte[] key, int offset) {
        if (m.isClosed()) return Double.NaN;
        byte[] v = m.lookup(key);
        if (v == null) return Double.NaN;
        long x = m.type().perCpu() ? BpfMap.sumPerCpu(v, m.spec().valueSize(), offset) : u64(v, offset);
        return x < 0 ? x + 0x1p64 : x;
    }

    enum Kind { COUNTER, GAUGE }

    record Field(String name, int offset, Kind kind) {}

    record TextField(String name, int offset, int length) {}

    private abstract static class Bound {
        final BpfMap map;

        Bound(BpfMap map) { this.map = map; }

        abstract void refresh();
    }

    private final class KeyedCounters extends Bound {
        private final BtfJson btf;
        private final List<Field> fields;
        private final List<TextField> texts;
        private final Map<String, Boolean> seen = new HashMap<>();

        KeyedCounters(BpfMap map, BtfJson btf, List<Field> fields, List<TextField> texts) {
            super(map);
            this.btf = btf;
            this.fields = fields;
            this.texts = texts;
        }

        @Override void refresh() {
            for (byte[] key : map.keys()) {
                if (seen.size() >= maxKeysPerMap) return;
                String hex = HexFormat.of().formatHex(key);
                if (seen.containsKey(hex)) continue;
                byte[] value = map.lookup(key);
                if (value == null) continue;
                seen.put(hex, Boolean.TRUE);
                Tags t = commonTags.and("key", keyTag(key));
                for (TextField tf : texts) t = t.and(tf.name(), text(value, tf));
                byte[] k = key.clone();
                for (Field f : fields) {
                    String name = meterName(map, f.name());
                    if (f.kind() == Kind.COUNTER)
                        FunctionCounter.builder(name, map, m -> read(m, k, f.offset())).tags(t).register(registry);
                    else
                        Gauge.builder(name, map, m -> read(m, k, f.offset())).tags(t).register(registry);
                }
            }
        }

        private String keyTag(byte[] key) {
            String json = btf == null ? null : btf.key(key);
            if (json == null) {
                if (key.length == 4) return Integer.toUnsignedString(ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt());
                if (key.length == 8) return Long.toUnsignedString(u64(key, 0));
                return HexFormat.of().formatHex(key);
            }
            return json.length() >= 2 && json.startsWith("\"") && json.endsWith("\"") ? json.substring(1, json.length() - 1) : json;
        }

        private String text(byte[] value, TextField tf) {
            int n = 0;
            while (n < tf.length() && tf.offset() + n < value.length && value[tf.offset() + n] != 0) n++;
            return new String(value, tf.offset(), n, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final class GlobalCounters extends Bound {
        GlobalCounters(BpfMap map, MapDefinition def) {
            super(map);
            byte[] zero = new byte[map.spec().keySize()];
            for (MapDefinition.GlobalVariable v : def.variables()) {
                if (v.size() != 8) continue;
                int off = (int) v.offset();
                FunctionCounter.builder(prefix + "." + sanitize(object.name()) + "." + sanitize(v.name()), map,
                        m -> read(m, zero, off)).tags(commonTags).register(registry);
            }
        }

        @Override void refresh() {}
    }

    private final class Log2Histogram extends Bound {
        private final DistributionSummary summary;
        private final long[] last;
        private final double[] upper;

        Log2Histogram(BpfMap map) {
            super(map);
            int n = map.spec().maxEntries();
            last = new long[n];
            upper = new double[n];
            for (int b = 0; b < n; b++) upper[b] = b >= 63 ? 0x1p64 : (double) ((1L << (b + 1)) - 1);
            summary = DistributionSummary.builder(meterName(map, null)).tags(commonTags).serviceLevelObjectives(upper)
                    .description("log2 histogram map " + map.name() + " (values recorded at their bucket's upper bound)")
                    .register(registry);
        }

        @Override void refresh() {
            for (int b = 0; b < last.length; b++) {
                byte[] key = {(byte) b, (byte) (b >>> 8), 0, 0};
                byte[] v = map.lookup(key);
                if (v == null) continue;
                long now = u64(v, 0);
                long delta = now - last[b];
                last[b] = now;
                // A summary has no bulk record; deltas between scrapes are small next to the work they measured.
                for (long i = 0; i < delta; i++) summary.record(upper[b]);
            }
        }
    }
}
