package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.helpers.ArgType;
import dev.bypass.vm.helpers.CallbackArg;
import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.helpers.TraceSink;
import static dev.bypass.vm.helpers.ArgType.*;

import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.MemoryFault;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.maps.*;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * More Linux helpers that tracing-style C programs use, with their JVM meanings: {@code probe_read*} copy from any
 * address in the sandbox and return {@code -EFAULT} (zeroing the destination) instead of stopping the program when
 * the source is unmapped; {@code get_current_comm} is the thread name; {@code get_current_uid_gid} the process's
 * user and group; {@code for_each_map_elem} calls back per element; {@code map_lookup_percpu_elem} reads another
 * CPU's slot; clock variants read the JVM's clocks.
 */
public final class CompatHelpers {
    private CompatHelpers() {}

    static final int EFAULT = 14;
    private static final long UID_GID = readUidGid();
    /** Linux's default CONFIG_HZ for the jiffies clock. */
    private static final long HZ = 250;

    public static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        Prototype noArgs = Prototype.of(ReturnType.INTEGER);
        Prototype read = Prototype.of(ReturnType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING);
        for (int id : new int[] {HelperIds.PROBE_READ, HelperIds.PROBE_READ_USER, HelperIds.PROBE_READ_KERNEL})
            b.register(id, id == HelperIds.PROBE_READ ? "probe_read" : id == HelperIds.PROBE_READ_USER ? "probe_read_user" : "probe_read_kernel",
                    read, (c, dst, size, src, x, y) -> probeRead(c.memory(), dst, size, src));
        for (int id : new int[] {HelperIds.PROBE_READ_STR, HelperIds.PROBE_READ_USER_STR, HelperIds.PROBE_READ_KERNEL_STR})
            b.register(id, id == HelperIds.PROBE_READ_STR ? "probe_read_str" : id == HelperIds.PROBE_READ_USER_STR ? "probe_read_user_str" : "probe_read_kernel_str",
                    read, (c, dst, size, src, x, y) -> probeReadStr(c.memory(), dst, size, src));
        b.register(HelperIds.GET_CURRENT_COMM, "get_current_comm", Prototype.of(ReturnType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE),
                (c, buf, size, x, y, z) -> {
                    c.memory().fill(buf, (int) size, (byte) 0);
                    byte[] name = Thread.currentThread().getName().getBytes(StandardCharsets.UTF_8);
                    c.memory().copyIn(buf, name, 0, (int) Math.min(name.length, Math.max(0, size - 1)));
                    return 0;
                });
        b.register(HelperIds.GET_CURRENT_UID_GID, "get_current_uid_gid", noArgs, (c, a, b1, c1, d, e) -> UID_GID);
        b.register(HelperIds.GET_NUMA_NODE_ID, "get_numa_node_id", noArgs, (c, a, b1, c1, d, e) -> 0);
        b.register(HelperIds.JIFFIES64, "jiffies64", noArgs, (c, a, b1, c1, d, e) -> System.nanoTime() / (1_000_000_000L / HZ));
        b.register(HelperIds.KTIME_GET_COARSE_NS, "ktime_get_coarse_ns", noArgs, (c, a, b1, c1, d, e) -> System.nanoTime());
        b.register(HelperIds.KTIME_GET_TAI_NS, "ktime_get_tai_ns", noArgs, (c, a, b1, c1, d, e) -> {
            java.time.Instant now = java.time.Instant.now();
            return (now.getEpochSecond() + 37) * 1_000_000_000L + now.getNano(); // TAI runs 37 s ahead of UTC
        });
        b.register(HelperIds.MAP_LOOKUP_PERCPU_ELEM, "map_lookup_percpu_elem",
                Prototype.of(ReturnType.PTR_TO_MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_MAP_KEY, ANYTHING),
                (c, map, key, cpu, y, z) -> {
                    BpfMap m = MapArgs.map(c, map);
                    if (cpu < 0 || cpu >= BpfMap.possibleCpus()) return 0;
                    return MapArgs.valuePointer(map, m.lookupPointerOnCpu(c.memory().slice(key, m.spec().keySize(), false), (int) cpu));
                });
        b.register(HelperIds.FOR_EACH_MAP_ELEM, "for_each_map_elem",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, ANYTHING)
                        .withCallback(new CallbackArg.MapHandle(), new CallbackArg.MapKey(), new CallbackArg.MapValue(), new CallbackArg.Context()),
                (c, map, fn, ctx, flags, z) -> forEach(c, map, fn, ctx, flags));
        b.register(HelperIds.TRACE_VPRINTK, "trace_vprintk",
                Prototype.of(ReturnType.INTEGER, PTR_TO_CONST_STR, CONST_SIZE, PTR_TO_MEM, CONST_SIZE_OR_ZERO),
                (c, fmt, size, data, dataLen, z) -> {
                    // what bpf_printk compiles to with more than three arguments: the arguments as an array of u64
                    if (size <= 0 || size > 4096 || dataLen < 0 || dataLen % 8 != 0 || dataLen > 8 * 12) return -Errno.EINVAL;
                    long[] args = new long[(int) dataLen / 8];
                    for (int i = 0; i < args.length; i++) args[i] = c.memory().load64(data + 8L * i);
                    String line = TraceFormat.line(c.memory(), c.memory().readCString(fmt, (int) size), args);
                    TraceSink sink = c.attachment(TraceSink.class);
                    (sink != null ? sink : TraceSink.defaultSink()).print(line);
                    return line.length() + 1;
                });
        b.register(HelperIds.SNPRINTF, "snprintf",
                Prototype.of(ReturnType.INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, PTR_TO_CONST_STR, PTR_TO_MEM, CONST_SIZE_OR_ZERO),
                (c, str, strSize, fmt, data, dataLen) -> {
                    if (dataLen < 0 || dataLen % 8 != 0 || dataLen > 8 * 12) return -Errno.EINVAL;
                    long[] args = new long[(int) dataLen / 8];
                    for (int i = 0; i < args.length; i++) args[i] = c.memory().load64(data + 8L * i);
                    byte[] text = TraceFormat.format(c.memory(), c.memory().readCString(fmt, 4096), args).getBytes(StandardCharsets.UTF_8);
                    if (strSize > 0) {
                        c.memory().slice(str, strSize, true); // the whole buffer must be writable, as its size says
                        int n = (int) Math.min(text.length, strSize - 1);
                        c.memory().copyIn(str, text, 0, n);
                        c.memory().store8(str + n, 0);
                    }
                    return text.length + 1; // the length the whole output needs, as snprintf reports
                });
        b.register(HelperIds.STRNCMP, "strncmp", Prototype.of(ReturnType.INTEGER, PTR_TO_MEM, CONST_SIZE, PTR_TO_CONST_STR),
                (c, s1, s1Size, s2, y, z) -> {
                    // compares at most s1Size bytes of s1 with the NUL-terminated s2, like strncmp
                    for (long i = 0; i < s1Size; i++) {
                        int a = (int) c.memory().load8(s1 + i), d = (int) c.memory().load8(s2 + i);
                        if (a != d) return a < d ? -1 : 1;
                        if (a == 0) return 0;
                    }
                    return 0;
                });
        return b;
    }

    static long probeRead(Memory mem, long dst, long size, long src) {
        if (size < 0 || size > Integer.MAX_VALUE) throw new MemoryFault("buffer length " + size + " is invalid");
        try {
            mem.copy(dst, src, (int) size);
            return 0;
        } catch (MemoryFault f) {
            mem.fill(dst, (int) size, (byte) 0); // faults in turn when the destination was what failed
            return -EFAULT;
        }
    }

    static long probeReadStr(Memory mem, long dst, long size, long src) {
        if (size <= 0) return 0;
        MemorySegment out = mem.slice(dst, size, true);
        try {
            int n = 0;
            while (n < size - 1) {
                byte ch = (byte) mem.load8(src + n);
                if (ch == 0) break;
                out.set(ValueLayout.JAVA_BYTE, n++, ch);
            }
            out.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
            return n + 1;
        } catch (MemoryFault f) {
            out.fill((byte) 0);
            return -EFAULT;
        }
    }

    private static long forEach(HelperContext c, long map, long fn, long ctx, long flags) {
        if (flags != 0) return -Errno.EINVAL;
        BpfMap m = MapArgs.map(c, map);
        if (m instanceof QueueMap || m instanceof RingBuffer || m instanceof ProgramArray) return -Errno.EINVAL;
        if (!(c instanceof ExecutionState st)) throw new HelperException("for_each_map_elem outside an execution");
        byte[] keyBytes = new byte[m.spec().keySize()];
        long keyPtr = st.memory().bindScratch(Region.of("for_each key", keyBytes, false));
        long n = 0;
        for (byte[] k : m.keys()) {
            System.arraycopy(k, 0, keyBytes, 0, keyBytes.length);
            long value = MapArgs.valuePointer(map, m.lookupPointer(c, keyPtr));
            if (value == 0) continue; // deleted meanwhile
            st.chargeBudget("for_each_map_elem");
            n++;
            long ret = st.callback(fn, map, keyPtr, value, ctx, 0);
            if (ret == 1) break;
            if (ret != 0) throw new HelperException("for_each_map_elem callback returned " + ret + " (must be 0 or 1)");
        }
        return n;
    }

    private static long readUidGid() {
        try {
            long uid = 0, gid = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) uid = Long.parseLong(line.split("\\s+")[1]);
                if (line.startsWith("Gid:")) gid = Long.parseLong(line.split("\\s+")[1]);
            }
            return gid << 32 | uid;
        } catch (Exception e) {
            return 0; // no /proc (not Linux): report uid and gid 0
        }
    }
}
