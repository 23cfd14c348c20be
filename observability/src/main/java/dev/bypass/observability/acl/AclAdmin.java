package dev.bypass.observability.acl;

import dev.bypass.programs.LoadedObject;
import dev.bypass.vm.maps.BpfMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Administers the File/ACL table of a loaded {@code acl_filter} object while programs use it: a file's record
 * (owner, default access, up to 8 ACL entries) lives in the array {@code files}; {@code by_devino} and
 * {@code by_name} index it. Updates replace whole records, so a program sees either the old or the new record.
 * Rights are bit sets: 4 read, 2 write, 1 execute.
 */
public final class AclAdmin {
    public static final int READ = 4, WRITE = 2, EXECUTE = 1, MAX_ACL = 8, NAME_LEN = 32, RECORD_SIZE = 128;

    public record Entry(int user, int rights) {}

    /** A file's record as stored. */
    public record FileRecord(long device, long inode, String name, int owner, int defaultAccess, List<Entry> acl) {
        public FileRecord {
            acl = List.copyOf(acl);
            if (acl.size() > MAX_ACL) throw new IllegalArgumentException("at most " + MAX_ACL + " ACL entries per file");
            if (name.getBytes(StandardCharsets.UTF_8).length >= NAME_LEN)
                throw new IllegalArgumentException("file name " + name + " is longer than " + (NAME_LEN - 1) + " bytes");
        }
    }

    private final BpfMap files, byDevino, byName, decisions;

    public AclAdmin(LoadedObject acl) {
        this.files = acl.map("files");
        this.byDevino = acl.map("by_devino");
        this.byName = acl.map("by_name");
        this.decisions = acl.map("decisions");
    }

    /** Protects a file: its record is created or replaced. Existing files are indexed by device and inode too. */
    public synchronized void protect(Path file, int owner, int defaultAccess, List<Entry> acl) throws IOException {
        long dev = 0, ino = 0;
        if (Files.exists(file)) {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino");
            dev = ((Number) a.get("dev")).longValue();
            ino = ((Number) a.get("ino")).longValue();
        }
        String name = file.getFileName().toString();
        put(new FileRecord(dev, ino, name, owner, defaultAccess, acl));
    }

    /** Adds or changes one user's rights on a protected file. */
    public synchronized void grant(Path file, int user, int rights) throws IOException {
        FileRecord r = record(file);
        if (r == null) throw new IllegalArgumentException(file + " is not protected (protect it first)");
        List<Entry> acl = new ArrayList<>(r.acl());
        acl.removeIf(e -> e.user() == user);
        acl.add(new Entry(user, rights));
        put(new FileRecord(r.device(), r.inode(), r.name(), r.owner(), r.defaultAccess(), acl));
    }

    /** Removes a user's ACL entry (the default access applies to them again). */
    public synchronized void revoke(Path file, int user) throws IOException {
        FileRecord r = record(file);
        if (r == null) return;
        List<Entry> acl = new ArrayList<>(r.acl());
        acl.removeIf(e -> e.user() == user);
        put(new FileRecord(r.device(), r.inode(), r.name(), r.owner(), r.defaultAccess(), acl));
    }

    public synchronized FileRecord record(Path file) {
        byte[] id = byName.lookup(nameKey(file.getFileName().toString()));
        if (id == null) return null;
        byte[] v = files.lookup(id);
        if (v == null) return null;
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0;
        while (n < NAME_LEN && v[16 + n] != 0) n++;
        List<Entry> acl = new ArrayList<>();
        for (int i = 0; i < Math.min(b.getInt(56), MAX_ACL); i++) acl.add(new Entry(b.getInt(64 + 8 * i), b.getInt(68 + 8 * i)));
        return new FileRecord(b.getLong(0), b.getLong(8), new String(v, 16, n, StandardCharsets.UTF_8), b.getInt(48), b.getInt(52), acl);
    }

    /** Decisions taken by the program so far: allowed, denied, and opens of files it has no record for. */
    public long[] decisions() {
        long[] out = new long[3];
        int[] slot = {1, 0, 2}; // the program's verdicts: 1 allow, 0 deny, 2 unknown file
        for (int i = 0; i < 3; i++) {
            byte[] v = decisions.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(slot[i]).array());
            out[i] = v == null ? 0 : BpfMap.sumPerCpu(v, 8, 0);
        }
        return out;
    }

    /** Rights as letters (r, w, x, or - for none) or as the number of bits (4 read, 2 write, 1 execute). */
    public static int rights(String s) {
        if (s.matches("[0-7]")) return Integer.parseInt(s);
        int r = 0;
        for (char c : s.toCharArray()) {
            switch (c) {
                case 'r' -> r |= READ;
                case 'w' -> r |= WRITE;
                case 'x' -> r |= EXECUTE;
                case '-' -> {}
                default -> throw new IllegalArgumentException("rights are letters r, w, x or a digit 0-7, got " + s);
            }
        }
        return r;
    }

    public static String rightsText(int r) {
        return ((r & READ) != 0 ? "r" : "-") + ((r & WRITE) != 0 ? "w" : "-") + ((r & EXECUTE) != 0 ? "x" : "-");
    }

    private void put(FileRecord r) {
        byte[] nameKey = nameKey(r.name());
        byte[] id = byName.lookup(nameKey);
        if (id == null) {
            int next = byName.size();
            if (next >= files.spec().maxEntries()) throw new IllegalStateException("the ACL table is full (" + next + " files)");
            id = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(next).array();
        }
        ByteBuffer b = ByteBuffer.allocate(RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, r.device()).putLong(8, r.inode());
        b.put(16, r.name().getBytes(StandardCharsets.UTF_8));
        b.putInt(48, r.owner()).putInt(52, r.defaultAccess()).putInt(56, r.acl().size());
        for (int i = 0; i < r.acl().size(); i++) b.putInt(64 + 8 * i, r.acl().get(i).user()).putInt(68 + 8 * i, r.acl().get(i).rights());
        check(files.update(id, b.array(), BpfMap.ANY), "files");
        check(byName.update(nameKey, id, BpfMap.ANY), "by_name");
        if (r.device() != 0 || r.inode() != 0) {
            byte[] di = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(r.device()).putLong(r.inode()).array();
            check(byDevino.update(di, id, BpfMap.ANY), "by_devino");
        }
    }

    private static void check(int rc, String map) {
        if (rc != 0) throw new IllegalStateException("updating map " + map + " failed: " + dev.bypass.vm.maps.Errno.name(rc));
    }

    private static byte[] nameKey(String name) {
        byte[] k = new byte[NAME_LEN];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, k, 0, Math.min(n.length, NAME_LEN - 1));
        return k;
    }
}
