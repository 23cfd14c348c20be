package dev.bypass.vm.helpers;

/** A helper as registered: its Linux-compatible id, name, prototype and implementation. */
public record HelperSpec(int id, String name, Prototype prototype, Helper implementation) {
    public HelperSpec {
        if (id <= 0) throw new IllegalArgumentException("helper ids are positive: " + id);
    }
}
