package dev.bypass.proxy.pool;

import java.util.concurrent.atomic.LongAdder;

/**
 * A pool's running totals, PgBouncer's SHOW STATS figures: server assignments, transactions and queries (requests
 * answered) with the time servers spent on them, bytes each way, client wait time, and the extended protocol's
 * Parse and Bind messages. Times in microseconds.
 */
public final class PoolStats {
    final LongAdder assignments = new LongAdder(), transactions = new LongAdder(), queries = new LongAdder(),
            received = new LongAdder(), sent = new LongAdder(), transactionMicros = new LongAdder(), queryMicros = new LongAdder(),
            waitMicros = new LongAdder(), clientParses = new LongAdder(), serverParses = new LongAdder(), binds = new LongAdder();

    /** The totals at one moment, in SHOW STATS order. */
    public record Totals(long assignments, long transactions, long queries, long received, long sent, long transactionMicros,
                         long queryMicros, long waitMicros, long clientParses, long serverParses, long binds) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        public Totals plus(Totals o) {
            return new Totals(assignments + o.assignments, transactions + o.transactions, queries + o.queries, received + o.received,
                    sent + o.sent, transactionMicros + o.transactionMicros, queryMicros + o.queryMicros, waitMicros + o.waitMicros,
                    clientParses + o.clientParses, serverParses + o.serverParses, binds + o.binds);
        }

        public long[] values() {
            return new long[] {assignments, transactions, queries, received, sent, transactionMicros, queryMicros, waitMicros,
                    clientParses, serverParses, binds};
        }
    }

    public Totals totals() {
        return new Totals(assignments.sum(), transactions.sum(), queries.sum(), received.sum(), sent.sum(), transactionMicros.sum(),
                queryMicros.sum(), waitMicros.sum(), clientParses.sum(), serverParses.sum(), binds.sum());
    }

    public void assigned(long waitedMicros) {
        assignments.increment();
        waitMicros.add(waitedMicros);
    }

    /** A request was answered after {@code micros}; {@code transactionMicros} > 0 when it ended a transaction. */
    public void answered(long micros, boolean endedTransaction, long transactionMicros) {
        queries.increment();
        queryMicros.add(micros);
        if (endedTransaction) {
            transactions.increment();
            this.transactionMicros.add(transactionMicros);
        }
    }

    public void received(long bytes) { received.add(bytes); }

    public void sent(long bytes) { sent.add(bytes); }

    public void clientParse() { clientParses.increment(); }

    public void serverParse() { serverParses.increment(); }

    public void bind() { binds.increment(); }
}
