package dev.bypass.vm.elf;

/** Bounds-checked little-endian reads from one part of a file; every failure is an {@link ElfException}. */
final class Bytes {
    final byte[] data;
    final int start;
    final int length;
    final String what;

    Bytes(byte[] data, long start, long length, String what) {
        if (start < 0 || length < 0 || start + length > data.length)
            throw new ElfException(what, start, "extends past the end of the file (" + length + " bytes at 0x"
                    + Long.toHexString(start) + ", file is " + data.length + " bytes)");
        this.data = data;
        this.start = (int) start;
        this.length = (int) length;
        this.what = what;
    }

    Bytes slice(long off, long len, String name) {
        if (off < 0 || len < 0 || off + len > length)
            throw new ElfException(what, off, name + " (" + len + " bytes) extends past the end (" + length + " bytes)");
        return new Bytes(data, start + off, len, name);
    }

    private void need(long off, int n) {
        if (off < 0 || off + n > length)
            throw new ElfException(what, off, "truncated: need " + n + " bytes, section has " + length);
    }

    int u8(long off) {
        need(off, 1);
        return data[start + (int) off] & 0xff;
    }

    int u16(long off) {
        need(off, 2);
        int p = start + (int) off;
        return (data[p] & 0xff) | (data[p + 1] & 0xff) << 8;
    }

    long u32(long off) {
        need(off, 4);
        int p = start + (int) off;
        return ((data[p] & 0xff) | (data[p + 1] & 0xff) << 8 | (data[p + 2] & 0xff) << 16 | (long) (data[p + 3] & 0xff) << 24);
    }

    /** An unsigned 32-bit field that is used as a size, count or offset: must fit in an int. */
    int u32int(long off, String field) {
        long v = u32(off);
        if (v > Integer.MAX_VALUE) throw new ElfException(what, off, field + " " + v + " is too large");
        return (int) v;
    }

    long u64(long off) {
        need(off, 8);
        return u32(off) | u32(off + 4) << 32;
    }

    byte[] copy(long off, int len) {
        need(off, len);
        byte[] out = new byte[len];
        System.arraycopy(data, start + (int) off, out, 0, len);
        return out;
    }

    /** A NUL-terminated string starting at {@code off} (an error if it runs past the end). */
    String cstring(long off) {
        if (off < 0 || off >= length) throw new ElfException(what, off, "string offset " + off + " is outside the string table (" + length + " bytes)");
        int p = start + (int) off, end = start + length;
        int q = p;
        while (q < end && data[q] != 0) q++;
        if (q == end) throw new ElfException(what, off, "string is not NUL-terminated");
        return new String(data, p, q - p, java.nio.charset.StandardCharsets.UTF_8);
    }
}
