package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.memory.Memory;

/**
 * The printf subset of {@code bpf_trace_printk}: {@code %d %i %u %x %X %c %s %p %%} with optional {@code l}/{@code ll}
 * length modifiers, width and zero padding; at most three arguments. A bad directive prints as written.
 */
final class TraceFormat {
    private TraceFormat() {}

    static String format(Memory memory, String fmt, long... args) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char ch = fmt.charAt(i);
            if (ch != '%') { out.append(ch); continue; }
            int start = i++;
            if (i < fmt.length() && fmt.charAt(i) == '%') { out.append('%'); continue; }
            boolean zero = false;
            int width = 0;
            if (i < fmt.length() && fmt.charAt(i) == '0') { zero = true; i++; }
            while (i < fmt.length() && Character.isDigit(fmt.charAt(i)) && width < 100) width = width * 10 + (fmt.charAt(i++) - '0');
            int longs = 0;
            while (i < fmt.length() && fmt.charAt(i) == 'l' && longs < 2) { longs++; i++; }
            if (i >= fmt.length() || next >= args.length) { out.append(fmt, start, Math.min(i + 1, fmt.length())); continue; }
            long a = args[next];
            String s = switch (fmt.charAt(i)) {
                case 'd', 'i' -> Long.toString(longs == 0 ? (int) a : a);
                case 'u' -> Long.toUnsignedString(longs == 0 ? a & 0xffffffffL : a);
                case 'x' -> Long.toHexString(longs == 0 ? a & 0xffffffffL : a);
                case 'X' -> Long.toHexString(longs == 0 ? a & 0xffffffffL : a).toUpperCase(java.util.Locale.ROOT);
                case 'c' -> String.valueOf((char) (a & 0xff));
                case 'p' -> "0x" + Long.toHexString(a);
                case 's' -> memory.readCString(a, 256);
                default -> null;
            };
            if (s == null) { out.append(fmt, start, i + 1); continue; }
            next++;
            while (s.length() < width) s = (zero ? "0" : " ") + s;
            out.append(s);
        }
        return out.toString();
    }

    /** A trace line: the formatted text without its trailing newlines (the sink adds line breaks). */
    static String line(Memory memory, String fmt, long... args) {
        String s = format(memory, fmt, args);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\n') end--;
        return s.substring(0, end);
    }
}
