package dev.bypass.verifier;

import dev.bypass.vm.facts.AccessFact;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.facts.RegisterFact;
import java.util.Set;

/** What a successful verification proved, per instruction, for engines to use. */
final class VerifiedFacts implements ProgramFacts {
    private final boolean[] reachable;
    private final RegisterFact[][] registers;
    private final AccessFact[] accesses;
    private final Set<Integer> escaped;
    private final boolean readsUnwrittenStack;

    VerifiedFacts(FactRecorder f) {
        reachable = f.reachable;
        registers = new RegisterFact[reachable.length][];
        for (int s = 0; s < reachable.length; s++) {
            if (!reachable[s]) continue;
            RegisterFact[] r = new RegisterFact[11];
            for (int i = 0; i < 11; i++) r[i] = f.registerFact(s, i);
            registers[s] = r;
        }
        accesses = f.accessFacts;
        escaped = Set.copyOf(f.escapedFrames);
        readsUnwrittenStack = f.unwrittenStackRead;
    }

    @Override public boolean verified() { return true; }

    @Override public boolean reachable(int slot) { return slot >= 0 && slot < reachable.length && reachable[slot]; }

    @Override public RegisterFact register(int slot, int reg) {
        RegisterFact[] r = slot >= 0 && slot < registers.length ? registers[slot] : null;
        return r == null ? null : r[reg];
    }

    @Override public AccessFact access(int slot) { return slot >= 0 && slot < accesses.length ? accesses[slot] : null; }

    @Override public boolean stackConfined(int entrySlot) { return !escaped.contains(entrySlot); }

    @Override public boolean readsUnwrittenStack() { return readsUnwrittenStack; }
}
