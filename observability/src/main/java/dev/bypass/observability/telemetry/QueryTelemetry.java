package dev.bypass.observability.telemetry;

import dev.bypass.programs.LoadedObject;
import dev.bypass.vm.maps.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads what the bundled {@code query_telemetry} programs collected: per normalised query its count, rows, total
 * and maximum latency and a histogram with four sub-buckets per power of two, from which percentiles are
 * estimated (within the bucket, linearly; at most 1/8 of the value off).
 */
public final class QueryTelemetry {
    public static final int TEXT_LEN = 256, HIST_BUCKETS = 256;
    static final int HIST_OFFSET = 32, TEXT_OFFSET = HIST_OFFSET + 8 * HIST_BUCKETS;

    /** The shipped agent configuration for pgjdbc ({@code pgjdbc-telemetry.conf} in the agent jar). */
    public static String pgjdbcConfigTemplate() {
        try (var in = QueryTelemetry.class.getResourceAsStream("/dev/bypass/observability/agent/pgjdbc-telemetry.conf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("pgjdbc-telemetry.conf is missing from the build", e);
        }
    }

    /** The shipped configuration with another engine, and feature records and a scrape endpoint when given. */
    public static String pgjdbcConfig(String engine, Path features, String format, Integer metricsPort) {
        return pgjdbcConfigTemplate().replaceFirst("(?m)^engine \\w+$", "engine " + engine)
                + (features == null ? "" : "records telemetry:features query_features " + format + " " + features.toAbsolutePath() + "\n")
                + (metricsPort == null ? "" : "metrics " + metricsPort + "\n");
    }

    public record QueryStats(long fingerprint, String text, long count, long totalNanos, long rows, long maxNanos, long[] histogram) {
        public double meanNanos() { return count == 0 ? 0 : (double) totalNanos / count; }

        /** The latency below which a fraction {@code q} (0..1) of the executions fell. */
        public double percentileNanos(double q) {
            long total = 0;
            for (long c : histogram) total += c;
            if (total == 0) return 0;
            double rank = q * total;
            long seen = 0;
            for (int b = 0; b < histogram.length; b++) {
                if (histogram[b] == 0) continue;
                if (seen + histogram[b] >= rank) {
                    double lo = lowerBound(b), hi = lowerBound(b + 1);
                    return Math.min(lo + (hi - lo) * ((rank - seen) / histogram[b]), maxNanos);
                }
                seen += histogram[b];
            }
            return maxNanos;
        }
    }

    /** The smallest latency of histogram bucket {@code b}: buckets 0-3 are 0-3 ns, then 4 per power of two. */
    public static double lowerBound(int b) {
        if (b < 4) return b;
        int lg = b / 4 + 1, sub = b % 4;
        return Math.scalb((double) (4 + sub), lg - 2);
    }

    private final BpfMap queries, totals;

    public QueryTelemetry(LoadedObject telemetry) {
        this.queries = telemetry.map("queries");
        this.totals = telemetry.map("totals");
    }

    /** Every query seen, most executed first. */
    public List<QueryStats> queries() {
        List<QueryStats> out = new ArrayList<>();
        for (byte[] k : queries.keys()) {
            byte[] v = queries.lookup(k);
            if (v == null) continue;
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            long[] hist = new long[HIST_BUCKETS];
            for (int i = 0; i < HIST_BUCKETS; i++) hist[i] = b.getLong(HIST_OFFSET + 8 * i);
            int n = 0;
            while (n < TEXT_LEN && v[TEXT_OFFSET + n] != 0) n++;
            out.add(new QueryStats(ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN).getLong(), new String(v, TEXT_OFFSET, n, StandardCharsets.UTF_8),
                    b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), hist));
        }
        out.sort(Comparator.comparingLong(QueryStats::count).reversed());
        return out;
    }

    private long total(int i) {
        byte[] v = totals.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array());
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public long totalQueries() { return total(0); }

    public long droppedFeatures() { return total(1); }

    public long untracked() { return total(2); }
}
