package dev.bypass.proxy.sql;

import java.util.List;

/**
 * What the classifier found in one query text: the classes of all its statements ({@code mask}, one bit per
 * {@link StatementClass}), how many statements it holds, and the SQL-level prepared statements it creates, runs or
 * drops, in order ({@link PreparedOp}): what EXECUTE does depends on what the session prepared before, so those are
 * resolved by the session ({@link PreparedStatements#effects}). Independent of any session, so it can be cached by
 * text.
 */
public record Classification(int mask, int statements, List<PreparedOp> ops) {
    public Classification {
        ops = List.copyOf(ops);
    }

    /** A statement the proxy could not read: a read-only policy must treat it as unknowable. */
    public static final Classification UNKNOWABLE = new Classification(StatementClass.ROUTINE.bit(), 1, List.of());

    public StatementClass primary() { return StatementClass.primary(mask); }

    public boolean has(StatementClass c) { return (mask & c.bit()) != 0; }

    /** A prepared statement created, run, or dropped by SQL (PREPARE, EXECUTE, DEALLOCATE, DISCARD ALL). */
    public sealed interface PreparedOp {}

    /** {@code PREPARE name AS ...}: {@code mask} is what the prepared statement does when executed. */
    public record Prepare(String name, int mask) implements PreparedOp {}

    /** {@code EXECUTE name}, also inside {@code EXPLAIN ANALYZE} and {@code CREATE TABLE ... AS}. */
    public record Execute(String name) implements PreparedOp {}

    /** {@code DEALLOCATE name}; a null name drops them all (DEALLOCATE ALL, DISCARD ALL). */
    public record Deallocate(String name) implements PreparedOp {}

    /** The union of two readings of the same text (the classifier keeps every reading that could apply). */
    Classification union(Classification other) {
        if (other.equals(this)) return this;
        List<PreparedOp> merged = new java.util.ArrayList<>(ops);
        for (PreparedOp op : other.ops) if (!merged.contains(op)) merged.add(op);
        // a name prepared differently by the two readings is taken to do what either says
        java.util.Map<String, Integer> prepared = new java.util.HashMap<>();
        for (PreparedOp op : merged) if (op instanceof Prepare p) prepared.merge(p.name(), p.mask(), (a, b) -> a | b);
        merged.replaceAll(op -> op instanceof Prepare p ? new Prepare(p.name(), prepared.get(p.name())) : op);
        return new Classification(mask | other.mask, Math.max(statements, other.statements), merged.stream().distinct().toList());
    }
}
