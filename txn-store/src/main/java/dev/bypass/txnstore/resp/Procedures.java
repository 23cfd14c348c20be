package dev.bypass.txnstore.resp;

import java.util.List;

/** Programs the server can run as transactions ({@code BPF.RUN name arg...}). */
public interface Procedures {
    /** Runs a program with integer arguments; returns its result (r0). */
    long run(String name, long[] args);

    List<String> names();

    Procedures NONE = new Procedures() {
        @Override public long run(String name, long[] args) { throw new IllegalArgumentException("no program named " + name + " is loaded"); }

        @Override public List<String> names() { return List.of(); }
    };
}
