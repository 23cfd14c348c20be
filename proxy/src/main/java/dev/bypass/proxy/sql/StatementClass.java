package dev.bypass.proxy.sql;

import java.util.Locale;

/**
 * What a statement does, as the query hook's programs see it ({@code stmt_class} and the bits of {@code stmt_mask}
 * in their context). The ids are part of the programs' interface: they never change, new classes take new ids.
 * {@link #ROUTINE} is for statements whose effect the proxy cannot know from the text: DO blocks, CALL, EXECUTE of a
 * statement it did not see prepared, FunctionCall messages, built-in functions known to change state (nextval,
 * set_config, advisory locks, large objects, dblink, ...), SET ROLE and SET SESSION AUTHORIZATION, LOAD, and COPY
 * to or from a program or a server file. A read-only policy denies it with the writes.
 */
public enum StatementClass {
    OTHER(0), SELECT(1), INSERT(2), UPDATE(3), DELETE(4), DDL(5), TRANSACTION(6), UTILITY(7), ROUTINE(8);

    /** The id programs see; bit {@code 1 << id} of a statement mask. */
    public final int id;

    StatementClass(int id) { this.id = id; }

    public int bit() { return 1 << id; }

    /** The lower-case name used in maps, metrics and messages ("select", "routine"). */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    private static final StatementClass[] BY_ID = values();

    public static StatementClass ofId(int id) { return id >= 0 && id < BY_ID.length ? BY_ID[id] : OTHER; }

    public static StatementClass named(String name) {
        for (StatementClass c : BY_ID) if (c.label().equalsIgnoreCase(name)) return c;
        throw new IllegalArgumentException("unknown statement class '" + name + "' (" + String.join(", ",
                java.util.Arrays.stream(BY_ID).map(StatementClass::label).toList()) + ")");
    }

    /** Order in which one class stands for a mixed query: what can do the most harm first. */
    private static final StatementClass[] PRIORITY = {ROUTINE, DDL, DELETE, UPDATE, INSERT, TRANSACTION, UTILITY, SELECT, OTHER};

    /** The class that stands for a mask of several: the most harmful one present; OTHER for an empty mask. */
    public static StatementClass primary(int mask) {
        for (StatementClass c : PRIORITY) if ((mask & c.bit()) != 0) return c;
        return OTHER;
    }

    /** The classes of a mask, lowest id first. */
    public static java.util.List<StatementClass> of(int mask) {
        java.util.List<StatementClass> out = new java.util.ArrayList<>();
        for (StatementClass c : BY_ID) if ((mask & c.bit()) != 0) out.add(c);
        return out;
    }
}
