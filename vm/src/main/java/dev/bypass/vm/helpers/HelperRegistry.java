package dev.bypass.vm.helpers;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Helpers by id. Ids follow Linux's {@code enum bpf_func_id} so that clang-built programs call the right thing;
 * a host adds its own with ids of its choosing (by convention above {@link #FIRST_HOST_ID}). Immutable: build one
 * with {@link #builder()}, or extend an existing one with {@link #toBuilder()}.
 */
public final class HelperRegistry {
    /** Host-defined helpers start here, well above Linux's ids. */
    public static final int FIRST_HOST_ID = 10_000;

    private final Map<Integer, HelperSpec> byId;
    private final HelperSpec[] dense;

    private HelperRegistry(Map<Integer, HelperSpec> byId) {
        this.byId = Collections.unmodifiableMap(new TreeMap<>(byId));
        int max = byId.keySet().stream().mapToInt(Integer::intValue).filter(i -> i < 4096).max().orElse(0);
        dense = new HelperSpec[max + 1];
        for (HelperSpec s : byId.values()) if (s.id() < dense.length) dense[s.id()] = s;
    }

    public static Builder builder() { return new Builder(new TreeMap<>()); }

    public static HelperRegistry empty() { return builder().build(); }

    public Builder toBuilder() { return new Builder(new TreeMap<>(byId)); }

    /** The helper with this id, or null. */
    public HelperSpec get(int id) {
        if (id >= 0 && id < dense.length) return dense[id];
        return byId.get(id);
    }

    public Collection<HelperSpec> all() { return byId.values(); }

    public static final class Builder {
        private final Map<Integer, HelperSpec> byId;

        private Builder(Map<Integer, HelperSpec> byId) { this.byId = byId; }

        /** Adds or replaces a helper. */
        public Builder register(HelperSpec spec) {
            byId.put(spec.id(), spec);
            return this;
        }

        public Builder register(int id, String name, Prototype prototype, Helper implementation) {
            return register(new HelperSpec(id, name, prototype, implementation));
        }

        public Builder registerAll(HelperRegistry other) {
            byId.putAll(other.byId);
            return this;
        }

        public HelperRegistry build() { return new HelperRegistry(byId); }
    }
}
