package dev.bypass.verifier;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The Linux kernel's verifier as an oracle: loads a program with {@code bpf(BPF_PROG_LOAD)} (through the C
 * library's {@code syscall}, via the Foreign Function API) as a socket filter and reports whether the kernel
 * accepted it, with the kernel's log on rejection.
 */
final class LinuxKernel {
    private static final long SYS_BPF = 321; // x86-64
    private static final int BPF_PROG_LOAD = 5, BPF_PROG_TYPE_SOCKET_FILTER = 1, EPERM = 1, ENOSYS = 38, ENOSPC = 28;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    record Verdict(boolean accepted, int errno, String log) {}

    /** Null when the kernel lets this process load programs; otherwise why not, in one line. */
    static String unavailableReason() {
        try {
            Verdict v = load(new long[] {0xb7L /* mov r0, 0 */, 0x95L /* exit */});
            if (v.accepted()) return null;
            return "bpf(BPF_PROG_LOAD) of a trivial program failed with errno " + v.errno() + (v.errno() == EPERM ? " (not permitted: run as root or with CAP_BPF)" : v.errno() == ENOSYS ? " (no bpf system call)" : "");
        } catch (Throwable t) {
            return "cannot call bpf(): " + t;
        }
    }

    /** The instruction Linux's log (log level 1) rejected: the last instruction line before the error; -1 if none. */
    static int failedAt(String log) {
        String[] lines = log.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+): \\(").matcher(lines[i]);
            if (m.find()) return Integer.parseInt(m.group(1));
        }
        return -1;
    }

    static Verdict load(long[] words) {
        Verdict v = load(words, 1 << 16);
        // ENOSPC: the log did not fit (the verdict is unknown); again with room for the longest log Linux writes
        return v.errno() == ENOSPC ? load(words, 1 << 24) : v;
    }

    private static Verdict load(long[] words, int logSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(8L * words.length, 8);
            for (int i = 0; i < words.length; i++) insns.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, words[i]);
            MemorySegment license = arena.allocateFrom("GPL");
            MemorySegment log = arena.allocate(logSize);
            MemorySegment attr = arena.allocate(128, 8); // zeroed union bpf_attr
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_SOCKET_FILTER);
            attr.set(ValueLayout.JAVA_INT, 4, words.length);
            attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
            attr.set(ValueLayout.JAVA_LONG, 16, license.address());
            attr.set(ValueLayout.JAVA_INT, 24, 1); // log_level
            attr.set(ValueLayout.JAVA_INT, 28, logSize);
            attr.set(ValueLayout.JAVA_LONG, 32, log.address());
            MemorySegment state = arena.allocate(CALL_STATE);
            long fd = (long) SYSCALL.invokeExact(state, SYS_BPF, (long) BPF_PROG_LOAD, attr, 128L);
            if (fd >= 0) {
                int ignored = (int) CLOSE.invokeExact((int) fd);
                return new Verdict(true, 0, "");
            }
            int errno = (int) ERRNO.get(state, 0L);
            return new Verdict(false, errno, log.getString(0));
        } catch (Throwable t) {
            throw new IllegalStateException("bpf() call failed: " + t, t);
        }
    }
}
