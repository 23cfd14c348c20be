package dev.bypass.programs.skeleton;

import dev.bypass.vm.elf.Btf;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.elf.MapDefinition;
import dev.bypass.vm.maps.MapType;
import java.util.*;

/**
 * Writes a typed Java skeleton for a BPF object, the way an RPC interface compiler writes stubs: one record per
 * BTF struct used (directly or nested) as a map key or value or as a global variable, with {@code read}/{@code
 * write} at the struct's exact layout; one record per global data section; one accessor class per map with typed
 * lookup/update/delete (queues: push/pop/peek; ring buffers: poll; program arrays: set); and a method per program.
 * Host code built on it never packs bytes by hand. Scalars map to Java primitives of the same width (unsigned
 * values keep their bits), {@code char} arrays to {@code String}, other arrays to Java arrays or lists.
 */
public final class SkeletonGenerator {
    private final ElfObject object;
    private final Btf btf;
    private final String objectName;
    private final Map<Integer, String> recordNames = new LinkedHashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private final StringBuilder records = new StringBuilder();
    private int loopVars;
    /** The record of {@code .rodata}, when the object has one: the skeleton's load takes it as configuration. */
    private String rodataRecord;

    private SkeletonGenerator(ElfObject object, String objectName) {
        this.object = object;
        this.btf = object.btf();
        this.objectName = objectName;
    }

    /** Java source of {@code package pkg; public final class className ...} for {@code object}. */
    public static String generate(ElfObject object, String objectName, String pkg, String className) {
        return new SkeletonGenerator(object, objectName).source(pkg, className);
    }

    /** A Java class name from an object file name: {@code conn_router.o} becomes {@code ConnRouterSkeleton}. */
    public static String classNameFor(String fileName) {
        String base = fileName.replaceFirst("\\.o$", "").replaceAll("^.*/", "");
        String pascal = pascal(base);
        return (pascal.isEmpty() || !Character.isJavaIdentifierStart(pascal.charAt(0)) ? "Bpf" + pascal : pascal) + "Skeleton";
    }

    // ---- names ----

    static final Set<String> RESERVED = Set.of("abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class",
            "const", "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto",
            "if", "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private",
            "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this", "throw",
            "throws", "transient", "try", "void", "volatile", "while", "true", "false", "null", "var", "record", "yield",
            "sealed", "permits", "object", "map", "hashCode", "toString", "equals", "getClass", "notify", "wait", "write", "read",
            "toBytes", "fromBytes", "close", "Result", "b", "o", "a", "i", "v", "n", "s", "SIZE", "raw");

    static String pascal(String s) {
        StringBuilder sb = new StringBuilder();
        boolean up = true;
        for (char c : s.toCharArray()) {
            if (!Character.isLetterOrDigit(c)) { up = true; continue; }
            sb.append(up ? Character.toUpperCase(c) : c);
            up = false;
        }
        return sb.toString();
    }

    static String camel(String s) {
        String p = pascal(s);
        if (p.isEmpty()) return "field";
        String c = Character.toLowerCase(p.charAt(0)) + p.substring(1);
        if (!Character.isJavaIdentifierStart(c.charAt(0))) c = "_" + c;
        return RESERVED.contains(c) ? c + "_" : c;
    }

    private String uniqueType(String base) {
        String n = base.isEmpty() ? "Anon" : base;
        String out = n;
        for (int i = 2; usedNames.contains(out); i++) out = n + i;
        usedNames.add(out);
        return out;
    }

    // ---- type codecs ----

    /** How one BTF type appears in Java: its type, boxed type, size, and read/write code at a buffer offset. */
    record Codec(String type, String boxed, long size, java.util.function.BiFunction<String, String, String> read,
                 Write write) {}

    @FunctionalInterface interface Write { String apply(String buf, String off, String value); }

    private int codecDepth;

    private Codec codec(long typeId, String where) {
        if (++codecDepth > 32) throw new IllegalArgumentException("BTF type " + typeId + " nests too deeply (cyclic?)");
        try {
            return codecOf(typeId, where);
        } finally {
            codecDepth--;
        }
    }

    private Codec codecOf(long typeId, String where) {
        Btf.Type t = btf.resolve(typeId, where);
        switch (t.kind()) {
            case Btf.INT, Btf.ENUM, Btf.ENUM64, Btf.PTR, Btf.FLOAT -> {
                long size = t.kind() == Btf.PTR ? 8 : t.sizeOrType();
                if (t.kind() == Btf.FLOAT) {
                    if (size == 4) return scalar("float", "Float", 4, "getFloat", "putFloat");
                    return scalar("double", "Double", 8, "getDouble", "putDouble");
                }
                return switch ((int) size) {
                    case 1 -> scalar("byte", "Byte", 1, "get", "put");
                    case 2 -> scalar("short", "Short", 2, "getShort", "putShort");
                    case 4 -> scalar("int", "Integer", 4, "getInt", "putInt");
                    case 8 -> scalar("long", "Long", 8, "getLong", "putLong");
                    default -> bytes(size);
                };
            }
            case Btf.ARRAY -> {
                Btf.Type elem = btf.resolve(t.elementType(), where);
                long n = t.length();
                if (elem.kind() == Btf.INT && elem.sizeOrType() == 1 && elem.name().contains("char")) {
                    return new Codec("String", "String", n, (b, o) -> "str(" + b + ", " + o + ", " + n + ")",
                            (b, o, v) -> "putStr(" + b + ", " + o + ", " + n + ", " + v + ");");
                }
                Codec e = codec(t.elementType(), where);
                long es = e.size();
                if (e.type().equals("byte")) return bytes(n);
                if (Set.of("short", "int", "long").contains(e.type())) {
                    String kind = e.type();
                    return new Codec(kind + "[]", kind + "[]", es * n,
                            (b, o) -> kind + "s(" + b + ", " + o + ", " + n + ")",
                            (b, o, v) -> "put" + pascal(kind) + "s(" + b + ", " + o + ", " + n + ", " + v + ");");
                }
                String list = "java.util.List<" + e.boxed() + ">";
                String i = "i" + (++loopVars); // nested arrays need distinct loop variables
                return new Codec(list, list, es * n,
                        (b, o) -> "java.util.stream.IntStream.range(0, " + n + ").mapToObj(" + i + " -> " + e.read().apply(b, "(" + o + ") + " + i + " * " + es) + ").toList()",
                        (b, o, v) -> "for (int " + i + " = 0; " + i + " < Math.min(" + n + ", " + v + ".size()); " + i + "++) { "
                                + e.write().apply(b, "(" + o + ") + " + i + " * " + es, v + ".get(" + i + ")") + " }");
            }
            case Btf.STRUCT -> {
                String name = record(t, where);
                return new Codec(name, name, t.sizeOrType(), (b, o) -> name + ".read(" + b + ", " + o + ")",
                        (b, o, v) -> v + ".write(" + b + ", " + o + ");");
            }
            default -> {
                long size = btf.sizeOf(typeId, where);
                return bytes(size);
            }
        }
    }

    private static Codec scalar(String type, String boxed, long size, String get, String put) {
        return new Codec(type, boxed, size, (b, o) -> b + "." + get + "(" + o + ")", (b, o, v) -> b + "." + put + "(" + o + ", " + v + ");");
    }

    private static Codec bytes(long n) {
        return new Codec("byte[]", "byte[]", n, (b, o) -> "bytes(" + b + ", " + o + ", " + n + ")", (b, o, v) -> "putBytes(" + b + ", " + o + ", " + n + ", " + v + ");");
    }

    /** The record for a struct (generated once). */
    private String record(Btf.Type t, String where) {
        String existing = recordNames.get(t.id());
        if (existing != null) return existing;
        String name = uniqueType(pascal(t.name()));
        recordNames.put(t.id(), name);
        List<String[]> fields = new ArrayList<>(); // name, type, readExpr, writeStmt
        Set<String> fieldNames = new HashSet<>();
        for (Btf.Member m : t.members()) {
            if (m.size() != 0 || m.offset() % 8 != 0)
                throw new IllegalArgumentException("struct " + t.name() + ": bitfield " + m.name() + " is not supported by skeletons");
            Codec c = codec(m.type(), where);
            String f = camel(m.name().isEmpty() ? "anon" : m.name());
            while (!fieldNames.add(f)) f = f + "_";
            String off = "o + " + (m.offset() / 8);
            fields.add(new String[] {f, c.type(), c.read().apply("b", off), c.write().apply("b", off, f)});
        }
        emitRecord(name, "struct " + (t.name().isEmpty() ? "(anonymous)" : t.name()), t.sizeOrType(), fields);
        return name;
    }

    private void emitRecord(String name, String what, long size, List<String[]> fields) {
        StringBuilder r = new StringBuilder();
        r.append("    /** BTF ").append(what).append(" (").append(size).append(" bytes). */\n");
        r.append("    public record ").append(name).append('(');
        for (int i = 0; i < fields.size(); i++) r.append(i > 0 ? ", " : "").append(fields.get(i)[1]).append(' ').append(fields.get(i)[0]);
        r.append(") {\n");
        r.append("        public static final int SIZE = ").append(size).append(";\n\n");
        r.append("        public static ").append(name).append(" read(ByteBuffer b, int o) {\n            return new ").append(name).append('(');
        for (int i = 0; i < fields.size(); i++) r.append(i > 0 ? ", " : "").append(fields.get(i)[2]);
        r.append(");\n        }\n\n");
        r.append("        public void write(ByteBuffer b, int o) {\n");
        for (String[] f : fields) r.append("            ").append(f[3]).append('\n');
        r.append("        }\n\n");
        r.append("        public static ").append(name).append(" fromBytes(byte[] a) { return read(ByteBuffer.wrap(a).order(LE), 0); }\n\n");
        r.append("        public byte[] toBytes() {\n            ByteBuffer b = ByteBuffer.allocate(SIZE).order(LE);\n            write(b, 0);\n            return b.array();\n        }\n");
        r.append("    }\n\n");
        records.append(r);
    }

    // ---- the skeleton ----

    private String source(String pkg, String className) {
        usedNames.add(className);
        usedNames.add("Result");
        StringBuilder body = new StringBuilder();
        StringBuilder fields = new StringBuilder(), init = new StringBuilder(), accessors = new StringBuilder();
        for (MapDefinition d : object.maps()) {
            String mapName = d.spec().name();
            String cls = uniqueType(pascal(mapName.replace('.', '_')) + "Map");
            String acc = camel(mapName.replace('.', '_'));
            fields.append("    private final ").append(cls).append(' ').append(acc).append(";\n");
            init.append("        this.").append(acc).append(" = new ").append(cls).append("(object, object.map(\"").append(mapName).append("\"));\n");
            accessors.append("    /** Map {@code ").append(mapName).append("} (").append(d.spec().type().name().toLowerCase(Locale.ROOT)).append(", ")
                    .append(d.spec().maxEntries()).append(" entries). */\n");
            accessors.append("    public ").append(cls).append(' ').append(acc).append("() { return ").append(acc).append("; }\n\n");
            body.append(mapClass(d, cls));
        }
        Set<String> programNames = new HashSet<>();
        StringBuilder programs = new StringBuilder();
        for (ElfProgram p : object.programs()) {
            String m = camel(p.name());
            while (!programNames.add(m) || RESERVED.contains(m)) m = m + "_";
            programs.append("    /** Program {@code ").append(p.name()).append("} from section {@code ").append(p.section()).append("}. */\n");
            programs.append("    public LoadedProgram ").append(m).append("() { return object.program(\"").append(p.name()).append("\"); }\n\n");
            String ctx = contextRecord(p.name());
            if (ctx != null) {
                programs.append("    /** Runs {@code ").append(p.name()).append("} with a typed context; returns r0. */\n");
                programs.append("    public long ").append(m).append("(").append(ctx).append(" ctx) { return object.program(\"")
                        .append(p.name()).append("\").run(ctx.toBytes()); }\n\n");
                programs.append("    /** Runs {@code ").append(p.name()).append("}; returns r0 and the context as the program left it. */\n");
                programs.append("    public Result<").append(ctx).append("> ").append(m).append("WithContext(").append(ctx).append(" ctx) {\n");
                programs.append("        byte[] bytes = ctx.toBytes();\n        long r0 = object.program(\"").append(p.name()).append("\").run(bytes);\n");
                programs.append("        return new Result<>(r0, ").append(ctx).append(".fromBytes(bytes));\n    }\n\n");
            }
        }
        StringBuilder out = new StringBuilder();
        if (!pkg.isEmpty()) out.append("package ").append(pkg).append(";\n\n");
        out.append("import dev.bypass.programs.LoadedObject;\nimport dev.bypass.programs.LoadedProgram;\nimport dev.bypass.programs.ProgramRuntime;\n");
        out.append("import dev.bypass.vm.maps.*;\nimport java.nio.ByteBuffer;\nimport java.nio.ByteOrder;\n\n");
        out.append("/**\n * Typed access to the maps and programs of {@code ").append(objectName).append("}.\n * Generated by {@code bypass gen skeleton}; do not edit.\n */\n");
        out.append("public final class ").append(className).append(" implements AutoCloseable {\n");
        out.append("    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;\n\n");
        out.append("    private final LoadedObject object;\n").append(fields).append('\n');
        out.append("    /** Wraps an object loaded from ").append(objectName).append(". */\n");
        out.append("    public ").append(className).append("(LoadedObject object) {\n        this.object = object;\n").append(init).append("    }\n\n");
        out.append("    /** Loads, verifies and compiles the object through {@code runtime}. */\n");
        out.append("    public static ").append(className).append(" load(ProgramRuntime runtime, byte[] objectFile) {\n");
        out.append("        return new ").append(className).append("(runtime.load(\"").append(objectName).append("\", objectFile));\n    }\n\n");
        if (rodataRecord != null) {
            out.append("    /** Loads with {@code rodata} as the {@code const volatile} configuration (frozen once loaded). */\n");
            out.append("    public static ").append(className).append(" load(ProgramRuntime runtime, byte[] objectFile, ").append(rodataRecord).append(" rodata) {\n");
            out.append("        dev.bypass.vm.elf.ElfObject elf = dev.bypass.vm.elf.ElfLoader.load(objectFile).withInitialData(\".rodata\", rodata.toBytes());\n");
            out.append("        return new ").append(className).append("(runtime.load(\"").append(objectName).append("\", elf));\n    }\n\n");
        }
        out.append("    public LoadedObject object() { return object; }\n\n");
        out.append(accessors).append(programs);
        out.append("    @Override public void close() { object.close(); }\n\n");
        out.append("    /** What a run returned, and the context after it. */\n");
        out.append("    public record Result<C>(long r0, C context) {}\n\n");
        out.append(records).append(body).append(HELPERS).append("}\n");
        return out.toString();
    }

    /** The record of the struct a program's first argument points to (its context), from BTF, or null. */
    private String contextRecord(String function) {
        int f = btf.find(function, Btf.FUNC);
        if (f < 0) return null;
        Btf.Type proto = btf.resolve(btf.type(f).sizeOrType(), function);
        if (proto.kind() != Btf.FUNC_PROTO || proto.members().isEmpty()) return null;
        Btf.Type ptr = btf.resolve(proto.members().get(0).type(), function);
        if (ptr.kind() != Btf.PTR) return null;
        Btf.Type target = btf.resolve(ptr.sizeOrType(), function);
        return target.kind() == Btf.STRUCT ? record(target, function) : null;
    }

    private String mapClass(MapDefinition d, String cls) {
        StringBuilder c = new StringBuilder();
        MapType type = d.spec().type();
        String where = d.spec().name();
        boolean perCpu = type == MapType.PERCPU_ARRAY || type == MapType.PERCPU_HASH || type == MapType.LRU_PERCPU_HASH;
        Codec key = d.keyTypeId() > 0 ? codec(d.keyTypeId(), where) : d.spec().keySize() == 4 ? scalar("int", "Integer", 4, "getInt", "putInt") : bytes(d.spec().keySize());
        Codec value;
        if (d.isGlobalData()) value = dataSection(d);
        else if (d.valueTypeId() > 0) value = codec(d.valueTypeId(), where);
        else value = d.spec().valueSize() == 4 ? scalar("int", "Integer", 4, "getInt", "putInt") : bytes(d.spec().valueSize());
        String boxedKey = key.boxed(), boxedValue = value.boxed();
        c.append("    /** Typed view of map {@code ").append(d.spec().name()).append("}. */\n");
        c.append("    public static final class ").append(cls).append(" {\n");
        String mapType = switch (type) {
            case QUEUE, STACK -> "QueueMap";
            case RINGBUF -> "RingBuffer";
            case PROG_ARRAY -> "ProgramArray";
            case PERF_EVENT_ARRAY -> "PerfEventArray";
            default -> "BpfMap";
        };
        c.append("        private final ").append(mapType).append(" map;\n");
        c.append("        private final LoadedObject owner;\n\n");
        c.append("        ").append(cls).append("(LoadedObject owner, BpfMap map) {\n            this.owner = owner;\n            this.map = (").append(mapType).append(") map;\n        }\n\n");
        c.append("        public LoadedObject owner() { return owner; }\n\n");
        c.append("        public ").append(mapType).append(" raw() { return map; }\n\n");
        switch (type) {
            case RINGBUF -> {
                c.append("        /** Waits up to {@code timeoutMillis} for records and hands up to {@code max} of them to {@code handler}. */\n");
                c.append("        public int poll(int max, long timeoutMillis, java.util.function.Consumer<byte[]> handler) throws InterruptedException {\n");
                c.append("            return map.poll(max, timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS, handler);\n        }\n\n");
                c.append("        public java.util.List<byte[]> drain() { return map.drain(); }\n");
            }
            case PERF_EVENT_ARRAY -> {
                c.append("        /** Waits up to {@code timeoutMillis} for samples and hands up to {@code max} of them to {@code handler}. */\n");
                c.append("        public int poll(int max, long timeoutMillis, java.util.function.Consumer<PerfEventArray.Sample> handler) throws InterruptedException {\n");
                c.append("            return map.poll(max, timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS, handler);\n        }\n\n");
                c.append("        public java.util.List<PerfEventArray.Sample> drain() { return map.drain(); }\n\n");
                c.append("        public long lost() { return map.lost(); }\n");
            }
            case PROG_ARRAY -> {
                c.append("        /** Puts a program into slot {@code index} for tail calls (null empties it). */\n");
                c.append("        public void set(int index, LoadedProgram program) { owner.setTailCall(map.name(), index, program); }\n");
            }
            case QUEUE, STACK -> {
                codecMethods(c, "Value", value);
                c.append("        public int push(").append(value.type()).append(" value, long flags) { return map.push(encodeValue(value), flags); }\n\n");
                c.append("        public ").append(boxedValue).append(" pop() { byte[] v = map.pop(); return v == null ? null : decodeValue(v); }\n\n");
                c.append("        public ").append(boxedValue).append(" peek() { byte[] v = map.peek(); return v == null ? null : decodeValue(v); }\n\n");
                c.append("        public int size() { return map.size(); }\n");
            }
            default -> {
                codecMethods(c, "Key", key);
                codecMethods(c, "Value", value);
                if (perCpu) {
                    c.append("        /** Every CPU's value for {@code key}, or null when absent. */\n");
                    c.append("        public java.util.List<").append(boxedValue).append("> lookupPerCpu(").append(key.type()).append(" key) {\n");
                    c.append("            byte[] all = map.lookup(encodeKey(key));\n            if (all == null) return null;\n");
                    c.append("            int stride = (").append(value.size()).append(" + 7) & ~7;\n");
                    c.append("            java.util.List<").append(boxedValue).append("> out = new java.util.ArrayList<>();\n");
                    c.append("            for (int at = 0; at + stride <= all.length; at += stride) out.add(decodeValue(java.util.Arrays.copyOfRange(all, at, at + ")
                            .append(value.size()).append(")));\n            return out;\n        }\n\n");
                } else {
                    c.append("        /** The value under {@code key}, or null. */\n");
                    c.append("        public ").append(boxedValue).append(" lookup(").append(key.type()).append(" key) {\n");
                    c.append("            byte[] v = map.lookup(encodeKey(key));\n            return v == null ? null : decodeValue(v);\n        }\n\n");
                    c.append("        /** Every entry present (a snapshot). */\n");
                    c.append("        public java.util.Map<").append(boxedKey).append(", ").append(boxedValue).append("> entries() {\n");
                    c.append("            java.util.Map<").append(boxedKey).append(", ").append(boxedValue).append("> out = new java.util.LinkedHashMap<>();\n");
                    c.append("            for (byte[] k : map.keys()) { byte[] v = map.lookup(k); if (v != null) out.put(decodeKey(k), decodeValue(v)); }\n");
                    c.append("            return out;\n        }\n\n");
                }
                c.append("        /** Stores a value; 0 or a negated errno ({@link Errno}). Flags: BpfMap.ANY, NOEXIST, EXIST. */\n");
                c.append("        public int update(").append(key.type()).append(" key, ").append(value.type()).append(" value, long flags) {\n");
                c.append("            return map.update(encodeKey(key), encodeValue(value), flags);\n        }\n\n");
                c.append("        public int delete(").append(key.type()).append(" key) { return map.delete(encodeKey(key)); }\n");
            }
        }
        c.append("    }\n\n");
        return c.toString();
    }

    private static void codecMethods(StringBuilder c, String what, Codec codec) {
        c.append("        static byte[] encode").append(what).append('(').append(codec.type()).append(" v) {\n");
        c.append("            ByteBuffer b = ByteBuffer.allocate(").append(codec.size()).append(").order(LE);\n");
        c.append("            ").append(codec.write().apply("b", "0", "v")).append("\n            return b.array();\n        }\n\n");
        c.append("        static ").append(codec.type()).append(" decode").append(what).append("(byte[] a) {\n");
        c.append("            ByteBuffer b = ByteBuffer.wrap(a).order(LE);\n            return ").append(codec.read().apply("b", "0")).append(";\n        }\n\n");
    }

    /** A record of a global data section's variables at their symbol offsets. */
    private Codec dataSection(MapDefinition d) {
        String name = uniqueType(pascal(d.spec().name().replace('.', '_')) + "Section");
        List<String[]> fields = new ArrayList<>();
        Set<String> fieldNames = new HashSet<>();
        for (MapDefinition.GlobalVariable v : d.variables()) {
            Codec c = codec(v.typeId(), d.spec().name());
            String f = camel(v.name());
            while (!fieldNames.add(f)) f = f + "_";
            String off = "o + " + v.offset();
            fields.add(new String[] {f, c.type(), c.read().apply("b", off), c.write().apply("b", off, f)});
        }
        emitRecord(name, "data section " + d.spec().name(), d.spec().valueSize(), fields);
        if (d.spec().name().equals(".rodata")) rodataRecord = name;
        return new Codec(name, name, d.spec().valueSize(), (b, o) -> name + ".read(" + b + ", " + o + ")", (b, o, v) -> v + ".write(" + b + ", " + o + ");");
    }

    private static final String HELPERS = """
                static String str(ByteBuffer b, int o, int n) {
                    int len = 0;
                    while (len < n && b.get(o + len) != 0) len++;
                    byte[] s = new byte[len];
                    b.get(o, s);
                    return new String(s, java.nio.charset.StandardCharsets.UTF_8);
                }

                static void putStr(ByteBuffer b, int o, int n, String v) {
                    byte[] s = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    if (s.length > n) throw new IllegalArgumentException("string of " + s.length + " bytes does not fit " + n);
                    for (int i = 0; i < n; i++) b.put(o + i, i < s.length ? s[i] : 0);
                }

                static byte[] bytes(ByteBuffer b, int o, int n) {
                    byte[] out = new byte[n];
                    b.get(o, out);
                    return out;
                }

                static void putBytes(ByteBuffer b, int o, int n, byte[] v) {
                    if (v.length != n) throw new IllegalArgumentException("expected " + n + " bytes, got " + v.length);
                    b.put(o, v);
                }

                static short[] shorts(ByteBuffer b, int o, int n) { short[] a = new short[n]; for (int i = 0; i < n; i++) a[i] = b.getShort(o + 2 * i); return a; }

                static int[] ints(ByteBuffer b, int o, int n) { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = b.getInt(o + 4 * i); return a; }

                static long[] longs(ByteBuffer b, int o, int n) { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = b.getLong(o + 8 * i); return a; }

                static void putShorts(ByteBuffer b, int o, int n, short[] v) { for (int i = 0; i < Math.min(n, v.length); i++) b.putShort(o + 2 * i, v[i]); }

                static void putInts(ByteBuffer b, int o, int n, int[] v) { for (int i = 0; i < Math.min(n, v.length); i++) b.putInt(o + 4 * i, v[i]); }

                static void putLongs(ByteBuffer b, int o, int n, long[] v) { for (int i = 0; i < Math.min(n, v.length); i++) b.putLong(o + 8 * i, v[i]); }
            """;
}
