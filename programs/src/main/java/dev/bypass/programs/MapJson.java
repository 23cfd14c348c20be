package dev.bypass.programs;

import dev.bypass.vm.maps.*;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Map contents as JSON, the one format the CLI ({@code bypass map --json}) and the agent's admin endpoint print: keys
 * and values as hex strings (the bytes as stored, little-endian), plus their unsigned integer value when they are 1,
 * 2, 4 or 8 bytes wide and, with BTF, their decoded form. Per-CPU values are listed per CPU. Reading a ring buffer
 * consumes its records.
 */
public final class MapJson {
    private MapJson() {}

    public static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    public static String quote(String s) { return BtfJson.quote(s); }

    public static String typeName(MapType t) { return t.name().toLowerCase(Locale.ROOT); }

    private static void bytes(StringBuilder sb, String field, byte[] b) {
        sb.append(quote(field)).append(':').append(quote(hex(b)));
        if (b.length == 1 || b.length == 2 || b.length == 4 || b.length == 8) {
            long v = 0;
            for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
            sb.append(',').append(quote(field + "_int")).append(':').append(Long.toUnsignedString(v));
        }
    }

    public static String header(BpfMap m) {
        MapSpec s = m.spec();
        return "\"name\":" + quote(s.name()) + ",\"type\":" + quote(typeName(s.type())) + ",\"key_size\":" + s.keySize()
                + ",\"value_size\":" + s.valueSize() + ",\"max_entries\":" + s.maxEntries() + ",\"flags\":" + s.flags();
    }

    public static String toJson(BpfMap m) { return toJson(m, null); }

    /** With {@code types}, keys and values also appear decoded through BTF ({@code key_btf}, {@code value_btf}). */
    public static String toJson(BpfMap m, BtfJson types) {
        StringBuilder sb = new StringBuilder("{").append(header(m));
        switch (m) {
            case QueueMap q -> {
                sb.append(",\"values\":[");
                List<byte[]> vs = q.values();
                for (int i = 0; i < vs.size(); i++) sb.append(i > 0 ? "," : "").append('{').append(valueFields(vs.get(i), types)).append('}');
                sb.append(']');
            }
            case PerfEventArray pa -> {
                sb.append(",\"lost\":").append(pa.lost()).append(",\"samples\":[");
                List<PerfEventArray.Sample> ss = pa.drain();
                for (int i = 0; i < ss.size(); i++)
                    sb.append(i > 0 ? "," : "").append("{\"cpu\":").append(ss.get(i).cpu()).append(",\"data\":").append(quote(hex(ss.get(i).data()))).append('}');
                sb.append(']');
            }
            case RingBuffer rb -> {
                sb.append(",\"records\":[");
                List<byte[]> rs = rb.drain();
                for (int i = 0; i < rs.size(); i++) sb.append(i > 0 ? "," : "").append(quote(hex(rs.get(i))));
                sb.append(']');
            }
            default -> {
                boolean perCpu = m.type() == MapType.PERCPU_ARRAY || m.type() == MapType.PERCPU_HASH || m.type() == MapType.LRU_PERCPU_HASH;
                sb.append(",\"entries\":[");
                boolean first = true;
                for (byte[] k : m.keys()) {
                    byte[] v = m.lookup(k);
                    if (v == null && !(m instanceof ProgramArray)) continue;
                    sb.append(first ? "" : ",").append('{');
                    first = false;
                    bytes(sb, "key", k);
                    String kd = types == null ? null : types.key(k);
                    if (kd != null) sb.append(",\"key_btf\":").append(kd);
                    if (m instanceof ProgramArray) {
                        sb.append(",\"program\":true");
                    } else if (perCpu) {
                        int stride = (m.spec().valueSize() + 7) & ~7;
                        sb.append(",\"values\":[");
                        for (int c = 0; c * stride < v.length; c++)
                            sb.append(c > 0 ? "," : "").append('{').append(valueFields(java.util.Arrays.copyOfRange(v, c * stride, c * stride + m.spec().valueSize()), types)).append('}');
                        sb.append(']');
                    } else {
                        sb.append(',').append(valueFields(v, types));
                    }
                    sb.append('}');
                }
                sb.append(']');
            }
        }
        return sb.append('}').toString();
    }

    private static String valueFields(byte[] v, BtfJson types) {
        StringBuilder sb = new StringBuilder();
        bytes(sb, "value", v);
        String vd = types == null ? null : types.value(v);
        if (vd != null) sb.append(",\"value_btf\":").append(vd);
        return sb.toString();
    }
}
