package dev.bypass.cli;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationException;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.isa.Program;
import picocli.CommandLine.Option;

/**
 * Options shared by commands that run a program from assembly or bytecode, and the calling convention they share
 * with {@code verify}: a buffer program (r1 = the input memory, r2 = its length, a 512-byte stack per frame), verified
 * for the exact input it gets and run with the verifier's facts.
 */
public final class EngineOptions {
    @Option(names = "--engine", description = "interpreter, jit or auto (default: ${DEFAULT-VALUE})", defaultValue = "interpreter")
    String engine;

    @Option(names = "--budget", description = "back-edges plus calls allowed per run (default: ${DEFAULT-VALUE})",
            defaultValue = "" + ExecutionState.DEFAULT_BUDGET)
    long budget;

    /**
     * Verifies the program as a buffer program for {@code memory} (its length known) and builds the engine with what
     * the verifier proved; a rejection is exit code 1 with the verifier's message.
     */
    Engine verifiedEngine(String name, Program program, byte[] memory) { return engine(name, program, memory, false); }

    /**
     * The engine of the program loaded by the runtime as a buffer program for {@code memory}: verified (unless
     * {@code unverified}, for testing only), linked and compiled as the runtime does for every program.
     */
    Engine engine(String name, Program program, byte[] memory, boolean unverified) {
        int length = memory == null ? 0 : memory.length;
        try {
            return ElfRun.runtime(unverified, engine, budget).load(name, program, ProgramType.buffer(length)).programs().getFirst().engine();
        } catch (VerificationException e) {
            throw new CliException(name + ": rejected: " + e.reason(), 1);
        }
    }

    /** The engine for a program with maps run unverified (the conformance suite's runner runs programs that way). */
    Engine unverifiedEngine(String name, Program program, PseudoResolver resolver) {
        EngineKind kind;
        try {
            kind = EngineKind.parse(engine);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
        return Engines.create(LinkedProgram.link(name, program, MapHelpers.registry(), resolver), kind, dev.bypass.vm.facts.ProgramFacts.NONE);
    }

    ExecutionState state() {
        if (budget <= 0) throw new CliException("--budget must be positive", 2);
        return new ExecutionState(budget);
    }

    /** Binds the input memory (empty when none) and returns r1; r2 is its length. */
    static long bindMemory(ExecutionState state, byte[] memory) {
        return state.memory().bind(Memory.DATA_REGION, Region.of("input", memory == null ? new byte[0] : memory, true));
    }
}
