package dev.bypass.observability.agent;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.vm.facts.AccessFact;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.facts.RegisterFact;
import dev.bypass.vm.facts.RegisterType;
import dev.bypass.vm.helpers.ArgType;
import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Program;
import java.util.List;

/**
 * What the programs on one side of a probe read of the call, found from their instructions and what the verifier
 * proved about each: which {@code method_ctx} fields they load (arguments as numbers, {@code ret},
 * {@code elapsed_ns}), and which Java values they ask helpers for ({@code bypass_arg_bytes} and
 * {@code bypass_arg_sql} with a constant index). The probe site passes only those values and the context gets only
 * those fields computed, so an argument nobody reads costs nothing (no boxing, no {@code size()} call, no clock
 * read). Anything the analysis cannot pin down (an unverified program, a non-constant index, the context handed to
 * a helper or a tail call) counts as reading everything.
 *
 * @param argNumbers bit i: {@code args[i]} is loaded
 * @param argObjects bit i: argument i's object is passed to a helper
 */
record ContextUse(int argNumbers, int argObjects, boolean ret, boolean resultObject, boolean receiverObject, boolean elapsed) {
    private static final int ALL_ARGS = (1 << ProbeTypes.MAX_ARGS) - 1;
    static final ContextUse NONE = new ContextUse(0, 0, false, false, false, false);
    static final ContextUse ALL = new ContextUse(ALL_ARGS, ALL_ARGS, true, true, true, true);

    // method_ctx offsets (see ProbeTypes.METHOD)
    private static final int ARGS = 16, RET = 80, ELAPSED = 88;

    ContextUse or(ContextUse o) {
        return new ContextUse(argNumbers | o.argNumbers, argObjects | o.argObjects, ret || o.ret, resultObject || o.resultObject,
                receiverObject || o.receiverObject, elapsed || o.elapsed);
    }

    /** Arguments the probe site must pass. */
    int args() { return argNumbers | argObjects; }

    /** Whether the probe site must pass the result (or thrown exception). */
    boolean result() { return ret || resultObject; }

    static ContextUse of(List<LoadedProgram> programs) {
        ContextUse u = NONE;
        for (LoadedProgram p : programs) u = u.or(of(p));
        return u;
    }

    static ContextUse of(LoadedProgram p) {
        ProgramFacts facts = p.facts();
        if (!facts.verified()) return ALL;
        Program code = p.source().program();
        ContextUse u = NONE;
        for (int s = 0; s < code.slotCount(); s++) {
            if (!facts.reachable(s)) continue;
            switch (code.at(s)) {
                case Instruction.Load l -> {
                    AccessFact access = facts.access(s);
                    if (access == null) return ALL; // the same load reads different kinds of memory
                    if (access.base() != RegisterType.PTR_TO_CTX) continue;
                    RegisterFact base = facts.register(s, l.src());
                    if (base == null) return ALL;
                    u = u.or(loaded(base.fixedOffset() + l.offset(), l.width().bytes));
                }
                case Instruction.Call c when c.kind() == Instruction.CallKind.HELPER -> {
                    ContextUse h = helperCall(p, facts, s, c.imm());
                    if (h == ALL) return ALL;
                    u = u.or(h);
                }
                case Instruction.CallRegister c -> { return ALL; }
                case null, default -> {}
            }
        }
        return u;
    }

    /** The fields overlapping bytes [offset, offset + width) of method_ctx. */
    private static ContextUse loaded(long offset, int width) {
        long end = offset + width;
        int args = 0;
        for (int i = 0; i < ProbeTypes.MAX_ARGS; i++) if (offset < ARGS + 8 * (i + 1) && end > ARGS + 8 * i) args |= 1 << i;
        return new ContextUse(args, 0, offset < RET + 8 && end > RET, false, false, offset < ELAPSED + 8 && end > ELAPSED);
    }

    private static ContextUse helperCall(LoadedProgram p, ProgramFacts facts, int slot, int id) {
        if (id == HelperIds.TAIL_CALL) return ALL; // the next program's reads are not known here
        if (id == ObservabilityHelpers.ARG_BYTES || id == ObservabilityHelpers.ARG_SQL) {
            RegisterFact index = facts.register(slot, 1);
            if (index == null || !index.isConstant()) return ALL;
            int i = (int) index.value();
            if (i == ObservabilityHelpers.RECEIVER) return new ContextUse(0, 0, false, false, true, false);
            if (i == ObservabilityHelpers.RETURN_VALUE) return new ContextUse(0, 0, false, true, false, false);
            return i >= 0 && i < ProbeTypes.MAX_ARGS ? new ContextUse(0, 1 << i, false, false, false, false) : NONE;
        }
        HelperSpec spec = p.object().runtime().helpers().get(id);
        if (spec == null) return ALL;
        // a helper given the context could read any field of it
        List<ArgType> args = spec.prototype().args();
        for (int r = 0; r < args.size(); r++) {
            RegisterFact f = facts.register(slot, r + 1);
            if (args.get(r) == ArgType.PTR_TO_CTX || f != null && f.type() == RegisterType.PTR_TO_CTX) return ALL;
        }
        return NONE;
    }
}
