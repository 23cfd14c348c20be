package dev.bypass.cli;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.maps.*;
import java.io.*;
import java.nio.file.*;
import java.util.*;

/**
 * What {@code bypass prog} and {@code bypass map} keep between invocations, in the way bpffs pins keep kernel
 * objects alive: a directory per loaded object holding a copy of the object file, whether it was loaded without
 * verification, and a snapshot of each map's contents. Every command loads the state, acts, and saves the maps.
 * Ring buffer records and program array slots are not kept.
 */
final class StateStore implements AutoCloseable {
    record Entry(String name, Path dir, boolean unverified, LoadedObject object) {}

    private final Path root;
    private final List<Entry> entries = new ArrayList<>();
    /** Held for the whole command, so concurrent invocations take turns instead of overwriting each other's maps. */
    private final java.nio.channels.FileChannel lockFile;
    private final java.nio.channels.FileLock lock;

    private StateStore(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        this.lockFile = java.nio.channels.FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        this.lock = lockFile.lock();
    }

    static Path defaultRoot() {
        String env = System.getenv("BYPASS_STATE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".bypass", "state");
    }

    static StateStore open(Path root, String engine, long budget) throws IOException {
        StateStore s = new StateStore(root);
        try {
            s.loadAll(engine, budget);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void loadAll(String engine, long budget) throws IOException {
        StateStore s = this;
        Path objects = root.resolve("objects");
        if (!Files.isDirectory(objects)) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(objects)) {
            List<Path> dirs = new ArrayList<>();
            ds.forEach(dirs::add);
            dirs.sort(Comparator.naturalOrder());
            for (Path d : dirs) {
                if (!Files.isRegularFile(d.resolve("object.o"))) continue;
                boolean unverified = Files.exists(d.resolve("unverified"));
                String name = d.getFileName().toString();
                ProgramRuntime rt = ElfRun.runtime(unverified, engine, budget);
                LoadedObject o = rt.load(name, Files.readAllBytes(d.resolve("object.o")));
                for (BpfMap m : o.maps()) restore(m, d.resolve("maps").resolve(fileName(m.name())));
                s.entries.add(new Entry(name, d, unverified, o));
            }
        }
    }

    List<Entry> entries() { return entries; }

    Entry add(String name, byte[] object, boolean unverified, String engine, long budget) throws IOException {
        if (!name.matches("[A-Za-z0-9_.-]+")) throw new CliException("object name '" + name + "' may only use letters, digits, '_', '.', '-'", 2);
        for (Entry e : entries) if (e.name().equals(name)) throw new CliException("an object named " + name + " is already loaded", 2);
        LoadedObject o = ElfRun.runtime(unverified, engine, budget).load(name, object);
        Path d = root.resolve("objects").resolve(name);
        Files.createDirectories(d.resolve("maps"));
        Files.write(d.resolve("object.o"), object);
        if (unverified) Files.writeString(d.resolve("unverified"), "loaded with --unverified\n");
        Entry e = new Entry(name, d, unverified, o);
        entries.add(e);
        return e;
    }

    void remove(Entry e) throws IOException {
        entries.remove(e);
        e.object().close();
        try (var walk = Files.walk(e.dir())) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** A program by {@code object/program} or by its name alone when that is unique. */
    LoadedProgram program(String ref) {
        List<LoadedProgram> found = new ArrayList<>();
        for (Entry e : entries) for (LoadedProgram p : e.object().programs())
            if (ref.equals(e.name() + "/" + p.name()) || ref.equals(p.name())) found.add(p);
        if (found.isEmpty()) throw new CliException("no loaded program " + ref + " (see bypass prog list)", 2);
        if (found.size() > 1) throw new CliException("program name " + ref + " is ambiguous; use object/program", 2);
        return found.get(0);
    }

    Entry object(String ref) {
        for (Entry e : entries) if (e.name().equals(ref)) return e;
        LoadedProgram p = program(ref);
        for (Entry e : entries) if (e.object() == p.object()) return e;
        throw new IllegalStateException();
    }

    /** A map by {@code object/map} or by its name alone when that is unique. */
    BpfMap map(String ref) {
        List<BpfMap> found = new ArrayList<>();
        for (Entry e : entries) for (BpfMap m : e.object().maps())
            if (ref.equals(e.name() + "/" + m.name()) || ref.equals(m.name())) found.add(m);
        if (found.isEmpty()) throw new CliException("no map " + ref + " (see bypass map list)", 2);
        if (found.size() > 1) throw new CliException("map name " + ref + " is ambiguous; use object/map", 2);
        return found.get(0);
    }

    LoadedObject owner(BpfMap m) {
        for (Entry e : entries) if (e.object().maps().contains(m)) return e.object();
        throw new IllegalStateException("map " + m.name() + " belongs to no loaded object");
    }

    void save() throws IOException {
        for (Entry e : entries) {
            Path maps = e.dir().resolve("maps");
            Files.createDirectories(maps);
            for (BpfMap m : e.object().maps()) snapshot(m, maps.resolve(fileName(m.name())));
        }
    }

    private static String fileName(String mapName) {
        StringBuilder sb = new StringBuilder();
        for (char c : mapName.toCharArray()) sb.append(Character.isLetterOrDigit(c) || c == '_' || c == '-' ? c : '%' + Integer.toHexString(c));
        return sb + ".bin";
    }

    /** Snapshot format: records of (u32 key length, key, u32 value length, value); queues and stacks have no keys. */
    private static void snapshot(BpfMap m, Path file) throws IOException {
        if (m instanceof RingBuffer || m instanceof ProgramArray || m instanceof PerfEventArray) return;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            if (m instanceof QueueMap q) {
                for (byte[] v : q.values()) record(out, new byte[0], v);
            } else {
                for (byte[] k : m.keys()) {
                    byte[] v = m.lookup(k);
                    if (v != null) record(out, k, v);
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void record(DataOutputStream out, byte[] k, byte[] v) throws IOException {
        out.writeInt(k.length);
        out.write(k);
        out.writeInt(v.length);
        out.write(v);
    }

    private static void restore(BpfMap m, Path file) throws IOException {
        if (!Files.isRegularFile(file)) return;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            List<byte[]> queued = new ArrayList<>();
            while (in.available() > 0) {
                byte[] k = new byte[checked(in.readInt(), file)];
                in.readFully(k);
                byte[] v = new byte[checked(in.readInt(), file)];
                in.readFully(v);
                if (m instanceof QueueMap) queued.add(v);
                else m.update(k, v, BpfMap.ANY);
            }
            if (m instanceof QueueMap q) {
                // values() lists in pop order; a stack must get them back bottom first
                if (!q.fifo()) Collections.reverse(queued);
                for (byte[] v : queued) q.push(v, BpfMap.ANY);
            }
        } catch (EOFException e) {
            throw new CliException("map snapshot " + file + " is truncated", 1);
        }
    }

    private static int checked(int n, Path file) {
        if (n < 0 || n > 1 << 24) throw new CliException("map snapshot " + file + " is corrupt", 1);
        return n;
    }

    @Override public void close() {
        for (Entry e : entries) e.object().close();
        try {
            lock.release();
            lockFile.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }
}
